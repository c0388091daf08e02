"""An inbound call being offered on a virtual exchange line: ring cadence, alert, caller ID.

Caller ID goes out after the first ring (in the long pause of the first cadence cycle,
`cid_delay_ms` after the ring ends, as Bellcore and most ETSI networks do) or before the
first ring, after an optional wake-up alert (line polarity reversal, dual-tone alert or a
short ring pulse) and `cid_delay_ms`, with the first ring half a second after the message.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

import aio
from drivers.frames import SAMPLE_RATE_HZ
from drivers.sim.analog import TelephoneLine
from drivers.sim.world.cid import STANDARDS, caller_id_audio, dual_tone_alert

log = logging.getLogger(__name__)

TIMINGS = ("after_first_ring", "before_first_ring")
ALERTS = ("none", "polarity_reversal", "dt_as", "ring_pulse")
PRE_RING_GAP_MS = 500  # from the end of caller ID to the first ring
RING_PULSE_MS = 250
CID_GUARD_MS = 200  # quiet kept between caller ID and the next ring


@dataclass(frozen=True)
class RingPlan:
    """How one inbound call is offered (validated on creation)."""

    number: str | None
    name: str | None
    standard: str
    timing: str
    alert: str
    cadence_ms: tuple[int, ...]
    frequency_hz: float
    cid_delay_ms: float
    max_rings: int | None

    def __post_init__(self) -> None:
        for value, allowed, what in (
            (self.standard, STANDARDS, "standard"),
            (self.timing, TIMINGS, "timing"),
            (self.alert, ALERTS, "alert"),
        ):
            if value not in allowed:
                raise ValueError(f"caller-ID {what} {value!r} is not one of {', '.join(allowed)}")
        cadence = self.cadence_ms
        if not cadence or len(cadence) % 2 or any(ms <= 0 for ms in cadence):
            raise ValueError("ring cadence_ms must be positive on/off pairs, e.g. (1000, 4000)")
        if self.max_rings is not None and self.max_rings < 1:
            raise ValueError("max_rings must be at least 1 (or None to ring until answered)")


def caller_id_time(wall_seconds: float) -> str:
    """The exchange's local time as caller ID sends it: MMDDHHMM."""
    return datetime.datetime.fromtimestamp(wall_seconds).strftime("%m%d%H%M")


class InboundCall:
    """Runs one ringing sequence until the DAA answers or the caller gives up."""

    def __init__(
        self,
        plan: RingPlan,
        line: TelephoneLine,
        clock: Callable[[], float],
        send_signal: Callable[[np.ndarray, float], None],
        flip_polarity: Callable[[float], None],
    ) -> None:
        self.plan = plan
        self.line = line
        self._clock = clock
        self._send_signal = send_signal
        self._flip_polarity = flip_polarity
        self._interrupt = aio.Event()
        self.outcome: bool | None = None
        self.cid_sent_at: float | None = None

    def answered(self, now: float) -> None:
        self.outcome = True
        self._interrupt.set()

    def abandon(self, now: float) -> None:
        self.outcome = False
        self.line.stop_ringing(now)
        self._interrupt.set()

    async def _pause(self, ms: float) -> bool:
        """Wait `ms`; True if the call was answered or abandoned meanwhile."""
        if self._interrupt.is_set():
            return True
        if ms <= 0:
            return False
        try:
            await aio.wait_for_ms(self._interrupt.wait(), ms)
        except aio.TimeoutError:
            return False
        return True

    async def _alert(self) -> bool:
        alert = self.plan.alert
        now = self._clock()
        if alert == "polarity_reversal":
            self._flip_polarity(now)
        elif alert == "dt_as":
            tone = dual_tone_alert()
            self._send_signal(tone, now)
            return await self._pause(1000 * len(tone) / SAMPLE_RATE_HZ)
        elif alert == "ring_pulse":
            self.line.start_ringing(now)
            interrupted = await self._pause(RING_PULSE_MS)
            self.line.stop_ringing(self._clock())
            return interrupted
        return False

    async def _send_caller_id(self, audio: np.ndarray) -> bool:
        """Alert, wait the configured delay, then put the caller ID on the line."""
        if await self._alert() or await self._pause(self.plan.cid_delay_ms):
            return True
        now = self._clock()
        self.cid_sent_at = now
        self._send_signal(audio, now)
        log.info("caller ID (%s) sent at %.3f", self.plan.standard, now)
        return False

    async def run(self) -> bool:
        plan = self.plan
        self.line.ring_frequency_hz = plan.frequency_hz
        audio = None
        if plan.number or plan.name:
            audio = caller_id_audio(
                plan.number, plan.name, caller_id_time(aio.wall_time()), plan.standard
            )
        audio_ms = 0.0 if audio is None else 1000 * len(audio) / SAMPLE_RATE_HZ
        if (
            audio is not None
            and plan.timing == "before_first_ring"
            and (await self._send_caller_id(audio) or await self._pause(audio_ms + PRE_RING_GAP_MS))
        ):
            return bool(self.outcome)
        pairs = list(zip(plan.cadence_ms[0::2], plan.cadence_ms[1::2], strict=True))
        cycle = 0
        while plan.max_rings is None or cycle < plan.max_rings:
            for index, (on_ms, off_ms) in enumerate(pairs):
                self.line.start_ringing(self._clock())
                if await self._pause(on_ms):
                    return bool(self.outcome)
                ring_end = self._clock()
                self.line.stop_ringing(ring_end)
                pause_ms: float = off_ms
                if (
                    audio is not None
                    and plan.timing == "after_first_ring"
                    and cycle == 0
                    and index == len(pairs) - 1
                ):
                    if await self._send_caller_id(audio):
                        return bool(self.outcome)
                    spent_ms = (self._clock() - ring_end) * 1000
                    if spent_ms + audio_ms + CID_GUARD_MS > off_ms:
                        log.warning("caller ID does not fit the %d ms ring pause", off_ms)
                    pause_ms = max(off_ms - spent_ms, audio_ms + CID_GUARD_MS)
                if await self._pause(pause_ms):
                    return bool(self.outcome)
            cycle += 1
        self.outcome = False
        self.line.stop_ringing(self._clock())
        return False
