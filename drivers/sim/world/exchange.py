"""A virtual exchange line behind an emulated DAA: the central office as the FXO port sees it.

Outbound: when the DAA seizes the idle line the exchange plays dial tone, collects DTMF
(with its own receiver) or pulse digits, plays ringback a second after the last digit and
connects the far end `answer_after_s` after it (or when the test calls `answer()`).
Inbound: `ring()` rings with a cadence and sends caller ID between the first and second
ring or before the first (after an optional alert); the DAA going off-hook trips the ring
and connects the far end. Far-end clearing can be a loop disconnect, a polarity reversal
or busy tone. What the DAA receives passes through a line model (hybrid echo of what it
sends, plus noise). Time is the aio clock; audio is rendered when the chip pulls a block.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

import numpy as np

import aio
from drivers.sim.analog import TelephoneLine
from drivers.sim.world.dtmf import DtmfDecoder
from drivers.sim.world.g168_paths import annex_d_response
from drivers.sim.world.levels import to_int16
from drivers.sim.world.line_model import HybridEcho, LineNoise
from drivers.sim.world.listening import Ear, Listener
from drivers.sim.world.mouth import Mouth, Utterance
from drivers.sim.world.ringing import InboundCall, RingPlan
from drivers.sim.world.signals import TonePlayer, ToneSpecLike, dtmf_audio
from drivers.sim.world.timeline import BlockCursor, ClipMixer, sample_index

log = logging.getLogger(__name__)

RELEASE_MS = 500  # DAA on-hook this long: the call is released
PULSE_BREAK_MS = (20.0, 120.0)  # loop breaks counted as dial pulses
PULSE_DIGIT_END_MS = 300  # make after the last pulse that ends a pulse digit
RINGBACK_AFTER_S = 1.0  # routing time between the last digit and ringback
LOOP_DISCONNECT_MS = 800
REQUIRED_TONES = ("dial", "busy", "ringback")
HANG_UP_METHODS = ("loop", "polarity", "busy")


class LineState(enum.Enum):
    IDLE = "idle"
    DIAL_TONE = "dial_tone"  # seized, waiting for the first digit
    DIALLING = "dialling"
    RINGBACK = "ringback"  # the called party is being rung
    RINGING = "ringing"  # inbound call offered to the DAA
    CONNECTED = "connected"
    BUSY = "busy"  # far end gone, busy tone until the DAA releases
    CLEARED = "cleared"  # far end gone (loop or polarity signal), silence until release


_DIALLING_STATES = (LineState.DIAL_TONE, LineState.DIALLING, LineState.RINGBACK)


class VirtualExchangeLine(Listener):
    """The exchange behind one TelephoneLine; installs itself as exchange_source/sink."""

    def __init__(
        self,
        line: TelephoneLine,
        *,
        tones: Mapping[str, ToneSpecLike],
        clock: Callable[[], float] = aio.monotonic,
        echo_return_loss_db: float = 12,
        echo_delay_ms: float = 4,
        noise_dbm0: float = -70,
        answer_after_s: float = 4.0,
        answer_polarity_reversal: bool = False,
        dial_tone_timeout_s: float | None = 30.0,
        name: str = "exchange",
    ) -> None:
        missing = [tone for tone in REQUIRED_TONES if tone not in tones]
        if missing:
            raise ValueError(f"the exchange needs tone specs for {', '.join(missing)}")
        self.line = line
        self.name = name
        self.tones = dict(tones)
        self.answer_after_s = answer_after_s
        self.answer_polarity_reversal = answer_polarity_reversal
        self.dial_tone_timeout_s = dial_tone_timeout_s
        self._clock = clock
        self.state = LineState.IDLE
        self.events: list[tuple[float, str]] = []  # (time, what happened), for test reports
        self._nominal_battery = line.battery_volts or 48.0
        self._echo = HybridEcho(echo_return_loss_db, echo_delay_ms)
        self._noise = LineNoise(noise_dbm0)
        self._far_mouth = Mouth()
        # A machine at the far end (a fax): hears the line and answers sample for sample.
        self._device: Callable[[np.ndarray], np.ndarray] | None = None
        self._device_out = np.zeros(0, dtype=np.int16)
        self._ear = Ear(tones)
        self._dtmf = DtmfDecoder()
        self._capture = BlockCursor(playback=False)
        self._playback = BlockCursor(playback=True)
        self._tones: list[TonePlayer] = []
        self._signals = ClipMixer()  # caller ID and alerts
        self._digits = ""
        self._pulses = 0
        self._daa_off_hook = line.off_hook
        self._hook_down_at: float | None = None
        self._polarity_flipped = False
        self._answered = False
        self._inbound: InboundCall | None = None
        self._timers: dict[str, aio.Task[Any]] = {}
        line.exchange_source = self._to_daa
        line.exchange_sink = self._from_daa
        line.on_change(self._line_changed)

    # Properties and helpers ---------------------------------------------------------------

    @property
    def ringing(self) -> bool:
        """An inbound call is being offered (ringing cadence in progress)."""
        return self.state is LineState.RINGING

    @property
    def answered(self) -> bool:
        """The current (or last) call reached the connected state."""
        return self._answered

    def digits_received(self) -> str:
        """Digits dialled on the current (or last) seizure, DTMF and pulse alike."""
        return self._digits

    def _note(self, now: float, what: str) -> None:
        self.events.append((now, what))
        log.info("%s %.3f %s", self.name, now, what)

    def _spawn(self, name: str, coroutine: Coroutine[Any, Any, Any]) -> None:
        self._cancel(name)
        self._timers[name] = aio.create_task(coroutine)

    def _cancel(self, *names: str) -> None:
        for name in names:
            task = self._timers.pop(name, None)
            if task is not None and task is not aio.current_task():
                task.cancel()

    async def _after(self, seconds: float, action: Callable[[float], None]) -> None:
        await aio.sleep(seconds)
        action(self._clock())

    def _play(self, tone: str | None, now: float) -> None:
        """Switch the exchange's tone (None: silence) at `now`, sample-exact."""
        index = sample_index(now)
        for player in self._tones:
            if player.stop is None or player.stop > index:
                player.stop = index
        if tone is not None:
            self._tones.append(TonePlayer(self.tones[tone], index))

    def _set_polarity(self, reversed_: bool, now: float) -> None:
        if reversed_ != self._polarity_flipped:
            self._polarity_flipped = reversed_
            self.line.reverse_polarity(now)

    # Far end ------------------------------------------------------------------------------

    def say(self, what: Utterance, level_dbm0: float = -10) -> None:
        """The far-end party speaks (heard by the DAA while connected)."""
        self._far_mouth.say(what, level_dbm0, sample_index(self._clock()))

    def attach(self, device: Callable[[np.ndarray], np.ndarray] | None) -> None:
        """Put a machine on the far end (a fax machine, a modem), or take it away: while the
        call is connected it hears what the appliance sends and its answer goes down the
        line, as many samples as it heard."""
        self._device = device
        self._device_out = np.zeros(0, dtype=np.int16)

    def echo_like(self, path: str, return_loss_db: float, delay_ms: float = 4) -> None:
        """Make the line's hybrid echo on a G.168 Annex D echo path ("d2".."d9") with the
        given echo return loss, from the next sample sent on."""
        response = annex_d_response(path, return_loss_db)
        self._echo = HybridEcho(return_loss_db, delay_ms, response)

    async def press(
        self, digits: str, on_ms: float = 100, off_ms: float = 100, level_dbm0: float = -7
    ) -> None:
        """The far-end party presses keys on their phone: DTMF audio down the line (an
        auto-attendant's menu choice) at `level_dbm0` per tone pair; returns when the last
        tone has been sent."""
        audio = dtmf_audio(digits, on_ms=on_ms, off_ms=off_ms, level_dbm0=level_dbm0, twist_db=2)
        self._far_mouth.key(sample_index(self._clock()), audio)
        await aio.sleep(len(audio) / 8000)

    # Line supervision ---------------------------------------------------------------------

    def _line_changed(self, line: TelephoneLine, now: float) -> None:
        if line.off_hook == self._daa_off_hook:
            return
        self._daa_off_hook = line.off_hook
        if line.off_hook:
            self._daa_lifted(now)
        else:
            self._daa_dropped(now)

    def _daa_lifted(self, now: float) -> None:
        self._cancel("release")
        down_at, self._hook_down_at = self._hook_down_at, None
        if self.state is LineState.RINGING:
            self._connect(now, "DAA answered")
            if self._inbound is not None:
                self._inbound.answered(now)
        elif self.state is LineState.IDLE:
            self._seize(now)
        elif down_at is not None:
            break_ms = (now - down_at) * 1000
            dialling = self.state in _DIALLING_STATES
            if dialling and PULSE_BREAK_MS[0] <= break_ms <= PULSE_BREAK_MS[1]:
                self._pulses += 1
                self._spawn("pulse", self._after(PULSE_DIGIT_END_MS / 1000, self._pulse_digit))
            else:
                self._note(now, f"hook flash of {break_ms:.0f} ms")
                if self.state in (LineState.DIALLING, LineState.RINGBACK):
                    self._await_more_digits()

    def _daa_dropped(self, now: float) -> None:
        self._hook_down_at = now
        self._dtmf.reset()
        self._cancel("pulse")
        if self.state in _DIALLING_STATES:
            self._cancel("ringback", "answer")  # dialling goes on (a pulse) or the call ends
        if self.state is not LineState.RINGING and self.state is not LineState.IDLE:
            self._spawn("release", self._after(RELEASE_MS / 1000, self._release))

    def _seize(self, now: float) -> None:
        self.state = LineState.DIAL_TONE
        self._digits, self._pulses, self._answered = "", 0, False
        self._ear.start_listening(sample_index(now))
        self._play("dial", now)
        self._note(now, "seized: dial tone")
        if self.dial_tone_timeout_s is not None:
            self._spawn("dial_timeout", self._after(self.dial_tone_timeout_s, self._dial_timeout))

    def _dial_timeout(self, now: float) -> None:
        if self.state is LineState.DIAL_TONE:
            self.state = LineState.BUSY
            self._play("congestion" if "congestion" in self.tones else "busy", now)
            self._note(now, "no digits: congestion")

    def _pulse_digit(self, now: float) -> None:
        count, self._pulses = self._pulses, 0
        if 1 <= count <= 10:
            self._digit("0" if count == 10 else str(count), now)

    def _digit(self, digit: str, now: float) -> None:
        self._digits += digit
        self._note(now, f"digit {digit}")
        if self.state is LineState.DIAL_TONE:
            self._cancel("dial_timeout")
            self._play(None, now)
        if self.state in _DIALLING_STATES:
            if self.state is LineState.RINGBACK:
                self._play(None, now)
            self.state = LineState.DIALLING
            self._await_more_digits()

    def _await_more_digits(self) -> None:
        """(Re)start the wait after a digit: ringback, then the far end answers."""
        self._spawn("ringback", self._after(RINGBACK_AFTER_S, self._start_ringback))
        self._spawn("answer", self._after(self.answer_after_s, self._auto_answer))

    def _start_ringback(self, now: float) -> None:
        if self.state is LineState.DIALLING:
            self.state = LineState.RINGBACK
            self._play("ringback", now)

    def _auto_answer(self, now: float) -> None:
        if self.state in (LineState.DIALLING, LineState.RINGBACK):
            self._connect(now, "far end answered")

    def answer(self) -> None:
        """The called party answers the outbound call now."""
        if self.state not in (LineState.DIAL_TONE, LineState.DIALLING, LineState.RINGBACK):
            raise RuntimeError(f"no outbound call to answer (line is {self.state.value})")
        self._connect(self._clock(), "far end answered")

    def _connect(self, now: float, why: str) -> None:
        inbound = self.state is LineState.RINGING
        self._cancel("ringback", "answer", "dial_timeout")
        self.state = LineState.CONNECTED
        self._answered = True
        self._play(None, now)
        self._signals.clear()
        if inbound:
            self.line.stop_ringing(now)
            self._ear.start_listening(sample_index(now))
        elif self.answer_polarity_reversal:
            self._set_polarity(True, now)
        self._note(now, f"connected ({why})")

    def _release(self, now: float) -> None:
        self._note(now, f"DAA released the line ({self.state.value})")
        self._end_call(now)

    def _end_call(self, now: float) -> None:
        self._cancel("ringback", "answer", "dial_timeout", "pulse")
        self.state = LineState.IDLE
        self._play(None, now)
        self._signals.clear()
        self._far_mouth.silence()
        self._set_polarity(False, now)

    def hang_up(self, method: str = "loop") -> None:
        """The far end clears: "loop" (battery off ~800 ms), "polarity" or "busy" tone."""
        if method not in HANG_UP_METHODS:
            raise ValueError(f"hang-up method must be one of {', '.join(HANG_UP_METHODS)}")
        now = self._clock()
        if self.state is LineState.RINGING:
            self._note(now, "caller abandoned")
            if self._inbound is not None:
                self._inbound.abandon(now)
            return
        if self.state in (LineState.IDLE, LineState.BUSY, LineState.CLEARED):
            self._note(now, f"hang-up ignored: line is {self.state.value}")
            return
        self._cancel("ringback", "answer", "dial_timeout")
        self._play(None, now)
        self._far_mouth.silence()
        if method == "busy":
            self.state = LineState.BUSY
            self._play("busy", now)
        elif method == "polarity":
            self.state = LineState.CLEARED
            self._polarity_flipped = not self._polarity_flipped
            self.line.reverse_polarity(now)
        else:
            self.state = LineState.CLEARED
            self.line.set_battery(0, now)
            self._spawn("battery", self._after(LOOP_DISCONNECT_MS / 1000, self._battery_back))
        self._note(now, f"far end cleared ({method})")

    def _battery_back(self, now: float) -> None:
        self.line.set_battery(self._nominal_battery, now)

    def disconnect_battery(self) -> None:
        """The line goes dead (cut cable, exchange fault)."""
        self.line.set_battery(0, self._clock())

    def restore_battery(self) -> None:
        self.line.set_battery(self._nominal_battery, self._clock())

    # Inbound calls ------------------------------------------------------------------------

    async def ring(
        self,
        number: str | None = None,
        name: str | None = None,
        standard: str = "bell202",
        timing: str = "after_first_ring",
        alert: str = "none",
        cadence_ms: tuple[int, ...] = (1000, 4000),
        frequency_hz: float = 25,
        cid_delay_ms: float = 600,
        max_rings: int | None = None,
    ) -> bool:
        """Offer an inbound call; returns True when the DAA answers, False if the caller
        gives up after `max_rings` cadence cycles (or `hang_up()` is called)."""
        plan = RingPlan(
            number,
            name,
            standard,
            timing,
            alert,
            tuple(cadence_ms),
            frequency_hz,
            cid_delay_ms,
            max_rings,
        )
        if self.state is not LineState.IDLE or self.line.off_hook:
            raise RuntimeError(f"cannot ring: the line is {self.state.value}")
        now = self._clock()
        self.state = LineState.RINGING
        self._answered = False
        self._inbound = InboundCall(plan, self.line, self._clock, self._send_signal, self._flip)
        self._note(now, f"ringing (caller {number or 'withheld'})")
        try:
            answered = await self._inbound.run()
        finally:
            self._inbound = None
        if not answered and self.state is LineState.RINGING:
            self._end_call(self._clock())
        return answered

    def _send_signal(self, audio: np.ndarray, now: float) -> None:
        self._signals.add(sample_index(now), audio)

    def _flip(self, now: float) -> None:
        self._set_polarity(not self._polarity_flipped, now)

    # Audio crossing the line --------------------------------------------------------------

    def _to_daa(self, count: int) -> np.ndarray:
        """What the DAA captures: exchange tones, signals and the far end, plus line model."""
        start = self._capture.place(self._clock(), count)
        echo = self._echo.take(start, count)
        if self.line.battery_volts <= 0:
            return np.zeros(count, dtype=np.int16)
        out = self._noise.render(count) + echo
        if self._tones:
            for player in self._tones:
                out += player.render(start, count)
            self._tones = [p for p in self._tones if p.stop is None or p.stop > start + count]
        self._signals.mix_into(out, start)
        if self.state is LineState.CONNECTED:
            out += self._far_mouth.render(start, count)
            if self._device is not None:
                out += self._device_audio(count)
        return to_int16(out)

    def _device_audio(self, count: int) -> np.ndarray:
        taken, self._device_out = self._device_out[:count], self._device_out[count:]
        return np.pad(taken.astype(np.float64), (0, count - len(taken)))

    def _from_daa(self, samples: np.ndarray) -> None:
        """What the DAA sends: heard by the far end, echoed, and listened to for digits."""
        start = self._playback.place(self._clock(), len(samples))
        self._echo.send(start, samples)
        if not self.line.off_hook:
            return
        self._ear.hear(start, samples)
        if self._device is not None and self.state is LineState.CONNECTED:
            reply = self._device(samples)
            self._device_out = np.concatenate([self._device_out, reply.astype(np.int16)])
        for digit in self._dtmf.feed(samples):
            self._digit(digit, self._clock())
