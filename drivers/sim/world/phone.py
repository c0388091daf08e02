"""A virtual analog telephone plugged into an emulated FXS port's loop.

It has what a desk phone has: a hook switch (with optional contact bounce), a flash
button, a rotary dial (pulse dialling on the hook contacts), a DTMF keypad that sends real
tone pairs through the mouthpiece, a ringer that follows the ring voltage on the loop, an
earpiece whose audio is recorded and analysed, and a caller-ID display that decodes FSK or
DTMF arriving while the handset is down.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

import aio
from drivers.sim.analog import FxsLoop
from drivers.sim.world.cid import CallerIdDisplay
from drivers.sim.world.cid_format import DisplayedCallerId
from drivers.sim.world.listening import Ear, Listener
from drivers.sim.world.mouth import Mouth, Utterance
from drivers.sim.world.signals import ToneSpecLike, dtmf_audio
from drivers.sim.world.timeline import BlockCursor, sample_index

log = logging.getLogger(__name__)

DEFAULT_FLASH_MS = 300  # inside every profile's flash window (RU 100–800, US 250–1100)
# Contact bounce: moments (fractions of bounce_ms) at which the contacts flip after the
# first touch. Opens last 4–12 % of the bounce time: a few ms for a 60 ms bounce.
_BOUNCE_FLIPS = (0.05, 0.12, 0.30, 0.40, 0.70, 0.80)
PULSE_DIGITS = "1234567890"


@dataclass
class RingInterval:
    """One burst of ring voltage seen by the ringer."""

    start_s: float
    end_s: float | None  # None while still ringing
    frequency_hz: float
    amplitude_vpk: float

    @property
    def duration_s(self) -> float | None:
        return None if self.end_s is None else self.end_s - self.start_s


class VirtualPhone(Listener):
    """The telephone on one FxsLoop; installs itself as the loop's phone_source/phone_sink."""

    def __init__(
        self,
        loop: FxsLoop,
        *,
        tones: Mapping[str, ToneSpecLike] | None = None,
        clock: Callable[[], float] = aio.monotonic,
        name: str = "phone",
    ) -> None:
        self.loop = loop
        self.name = name
        self._clock = clock
        self._mouth = Mouth()
        self._ear = Ear(tones or {})
        self._display = CallerIdDisplay()
        self._capture = BlockCursor(playback=False)
        self._playback = BlockCursor(playback=True)
        self.ring_log: list[RingInterval] = []
        self.hook_log: list[tuple[float, bool]] = []  # (time, off_hook) of every contact change
        self._bounce: aio.Task[None] | None = None
        loop.phone_source = self._mouthpiece
        loop.phone_sink = self._earpiece
        loop.on_change(self._loop_changed)

    # Hook switch, flash and dials -------------------------------------------------------

    @property
    def is_off_hook(self) -> bool:
        return self.loop.off_hook

    def _set_contacts(self, off_hook: bool) -> None:
        now = self._clock()
        if off_hook != self.loop.off_hook:
            self.hook_log.append((now, off_hook))
        self.loop.set_hook(off_hook, now)

    def off_hook(self, *, bounce_ms: float = 0) -> None:
        """Lift the handset now; with `bounce_ms` the contacts chatter before settling."""
        if not self.loop.off_hook:
            # A new call: the display shows what it has, the earpiece starts a new record.
            self._display.finish()
            self._ear.start_listening(sample_index(self._clock()))
        self._move_hook(True, bounce_ms)
        log.info("%s off-hook", self.name)

    def on_hook(self, *, bounce_ms: float = 0) -> None:
        """Hang up now; with `bounce_ms` the contacts chatter before settling."""
        self._move_hook(False, bounce_ms)
        self._mouth.silence()
        log.info("%s on-hook", self.name)

    def _move_hook(self, off_hook: bool, bounce_ms: float) -> None:
        if self._bounce is not None:
            self._bounce.cancel()
            self._bounce = None
        self._set_contacts(off_hook)
        if bounce_ms > 0:
            self._bounce = aio.create_task(self._chatter(off_hook, bounce_ms))

    async def _chatter(self, settle_off_hook: bool, bounce_ms: float) -> None:
        elapsed = 0.0
        state = settle_off_hook
        for fraction in _BOUNCE_FLIPS:
            await aio.sleep_ms(fraction * bounce_ms - elapsed)
            elapsed = fraction * bounce_ms
            state = not state
            self._set_contacts(state)
        self._set_contacts(settle_off_hook)

    def _require_off_hook(self, action: str) -> None:
        if not self.loop.off_hook:
            raise RuntimeError(f"{self.name} is on-hook: call off_hook() before {action}")

    async def flash(self, ms: float = DEFAULT_FLASH_MS) -> None:
        """Press the flash button: a timed break of the loop."""
        self._require_off_hook("a hook flash")
        self._set_contacts(False)
        await aio.sleep_ms(ms)
        self._set_contacts(True)

    async def dial_pulse(
        self,
        digits: str,
        pps: float = 10,
        break_ratio: float = 0.6,
        interdigit_ms: float = 700,
    ) -> None:
        """Rotary dialling: digit n breaks the loop n times (0 is ten breaks)."""
        self._require_off_hook("pulse dialling")
        if any(digit not in PULSE_DIGITS for digit in digits):
            raise ValueError(f"a rotary dial has only 0-9, cannot dial {digits!r}")
        period_ms = 1000 / pps
        break_ms, make_ms = period_ms * break_ratio, period_ms * (1 - break_ratio)
        for digit in digits:
            pulses = 10 if digit == "0" else int(digit)
            for pulse in range(pulses):
                self._set_contacts(False)
                await aio.sleep_ms(break_ms)
                self._set_contacts(True)
                await aio.sleep_ms(make_ms if pulse < pulses - 1 else interdigit_ms)

    async def dial_dtmf(
        self,
        digits: str,
        on_ms: float = 100,
        off_ms: float = 100,
        level_dbm0: float = -7,
        twist_db: float = 2,
    ) -> None:
        """Key DTMF digits: the tone pairs go out through the mouthpiece as audio."""
        self._require_off_hook("DTMF dialling")
        audio = dtmf_audio(
            digits, on_ms=on_ms, off_ms=off_ms, level_dbm0=level_dbm0, twist_db=twist_db
        )
        self._mouth.key(sample_index(self._clock()), audio)
        await aio.sleep(len(audio) / 8000)

    def say(self, what: Utterance, level_dbm0: float = -10) -> None:
        """Speak into the mouthpiece from now on: a tone (Hz), two tones, a one-shot
        sample buffer (int16 at 8 kHz, played as is) or None for silence."""
        self._mouth.say(what, level_dbm0, sample_index(self._clock()))

    # Audio crossing the loop --------------------------------------------------------------

    def _mouthpiece(self, count: int) -> np.ndarray:
        start = self._capture.place(self._clock(), count)
        if not self.loop.off_hook:
            return np.zeros(count, dtype=np.int16)
        return self._mouth.render(start, count)

    def _earpiece(self, samples: np.ndarray) -> None:
        now = self._clock()
        start = self._playback.place(now, len(samples))
        self._update_ringer(now)
        if self.loop.off_hook:
            self._ear.hear(start, samples)
        else:
            self._display.feed(start, samples)

    # Ringer ------------------------------------------------------------------------------

    def _loop_changed(self, loop: FxsLoop, now: float) -> None:
        self._update_ringer(now)

    def _update_ringer(self, now: float) -> None:
        ringing = self.loop.ringing
        last = self.ring_log[-1] if self.ring_log else None
        open_interval = last if last is not None and last.end_s is None else None
        if ringing and open_interval is None:
            self.ring_log.append(
                RingInterval(now, None, self.loop.ring_frequency_hz, self.loop.ring_amplitude_vpk)
            )
        elif not ringing and open_interval is not None:
            open_interval.end_s = now

    def is_ringing(self) -> bool:
        self._update_ringer(self._clock())
        return self.loop.ringing

    def ring_cadence_ms(self) -> list[int]:
        """Completed ring on/off durations in ms, in order: on, off, on, off, …"""
        durations: list[int] = []
        closed = [ring for ring in self.ring_log if ring.end_s is not None]
        for index, ring in enumerate(closed):
            assert ring.end_s is not None
            durations.append(round((ring.end_s - ring.start_s) * 1000))
            if index + 1 < len(closed):
                durations.append(round((closed[index + 1].start_s - ring.end_s) * 1000))
        return durations

    # Caller-ID display -------------------------------------------------------------------

    def caller_id(self) -> DisplayedCallerId | None:
        """The latest caller ID shown on the display."""
        return self._display.latest

    @property
    def caller_id_history(self) -> Sequence[DisplayedCallerId]:
        return tuple(self._display.history)

    @property
    def message_waiting(self) -> bool:
        """Message-waiting indication: the last FSK indication, or the loop's lamp voltage."""
        indication = self._display.message_waiting
        return self.loop.message_waiting_lamp or bool(indication and indication.active)
