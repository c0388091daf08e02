"""Linefeed policy of an FXS port: what the line should be doing, and making the chip do it.

Idle is forward (or reversed) active; after ringing the line stays in on-hook transmission
for `settings.on_hook_transmission_ms` so caller-ID and message-waiting data reach an
on-hook phone; a neon message-waiting lamp is a slow high-voltage trapezoid on a ringing
linefeed while the phone is idle. Changes go through one lock, so the ring cadence, the
supervision and engine commands never interleave their register writes, and each change is
confirmed from the chip's read-back.
"""

from __future__ import annotations

import aio
from drivers import si3215_regs as r
from drivers.fxs_settings import FxsSettings
from drivers.si3215 import Si3215

LF = r.LinefeedState


class FxsLinefeed:
    def __init__(self, chip: Si3215, settings: FxsSettings) -> None:
        self.chip = chip
        self.settings = settings
        self.lock = aio.Lock()
        self.target: r.LinefeedState = LF.OPEN  # what the line should be in now
        self.reversed = False  # polarity asked for by the engine
        self.message_waiting = False
        self.oht_until_ms: int | None = None

    # --- what the idle line is ----------------------------------------------------------
    def idle_reversed(self) -> bool:
        mwi_reversal = self.message_waiting and self.settings.message_waiting == "reversal"
        return self.reversed != mwi_reversal

    def idle_state(self, off_hook: bool) -> r.LinefeedState:
        if self.oht_until_ms is not None and not off_hook:
            return LF.FORWARD_ON_HOOK_TRANSMISSION.with_polarity(self.idle_reversed())
        return LF.FORWARD_ACTIVE.with_polarity(self.idle_reversed())

    def start_on_hook_transmission(self) -> None:
        if self.settings.on_hook_transmission_ms:
            self.oht_until_ms = aio.ticks_add(aio.ticks_ms(), self.settings.on_hook_transmission_ms)

    def on_hook_transmission_over(self, now_ms: int) -> bool:
        """True once (when the on-hook transmission time has just run out)."""
        if self.oht_until_ms is None or aio.ticks_diff(now_ms, self.oht_until_ms) < 0:
            return False
        self.oht_until_ms = None
        return True

    def dropped(self) -> bool:
        """The chip sits open although the line should be powered: a power alarm or reset."""
        written, actual = self.chip.linefeed()
        return self.target is not LF.OPEN and written == actual == LF.OPEN

    # --- changes ------------------------------------------------------------------------
    async def apply_idle(self, off_hook: bool) -> bool:
        """Put the idle line where it belongs (neon lamp, polarity, on-hook transmission)."""
        neon = (
            self.message_waiting
            and self.settings.message_waiting == "neon"
            and not off_hook
            and self.oht_until_ms is None
        )
        async with self.lock:
            if neon:
                await self._use_generator(r.neon_ring_generator())
                return await self.set(LF.RINGING)
            await self._use_generator(self._sine_generator())
            return await self.set(self.idle_state(off_hook))

    async def prepare_ringing(self) -> None:
        async with self.lock:
            await self._use_generator(self._sine_generator())

    async def ring(self) -> bool:
        async with self.lock:
            return await self.set(LF.RINGING)

    async def silence(self, reversed_alert: bool = False) -> bool:
        """On-hook transmission between rings (reversed from idle for a reversal alert)."""
        state = LF.FORWARD_ON_HOOK_TRANSMISSION.with_polarity(
            self.idle_reversed() != reversed_alert
        )
        async with self.lock:
            return await self.set(state)

    async def set(self, state: r.LinefeedState) -> bool:
        """Set and confirm the linefeed (hold `lock`); False if the chip refused."""
        self.target = state
        if self.chip.linefeed() == (state, state):
            return True
        return await self.chip.set_linefeed(state)

    def open(self) -> None:
        """Open the loop at once (port failed or stopped)."""
        self.target = LF.OPEN
        if self.chip.info is not None:
            self.chip.write_linefeed(LF.OPEN)

    def _sine_generator(self) -> r.RingGenerator:
        return r.sine_ring_generator(
            self.settings.ring_frequency_hz, self.settings.ring_amplitude_vpk
        )

    async def _use_generator(self, generator: r.RingGenerator) -> None:
        """Switch the ring generator; the chip must not be ringing while it changes."""
        if self.chip.ring_generator == generator:
            return
        if self.target is LF.RINGING:
            await self.set(LF.FORWARD_ACTIVE.with_polarity(self.idle_reversed()))
        self.chip.set_ring_generator(generator)
