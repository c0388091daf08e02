"""Ring validation for an FXO port, from samples of the DAA's ring detector comparators.

A real ring alternates the detector between its positive and negative comparator at twice
the ring frequency, without pause, for as long as the ring burst lasts. Other things that
trip the detector do not: a polarity reversal or a battery step gives one pulse of one sign,
a neon message-waiting lamp pulse gives one sign for a while. So a ring is accepted once the
detector has alternated steadily for `validate_ms` at a rate inside the accepted frequency
window, and it ends once the detector has been quiet for `off_debounce_ms`.

The validator is a plain state object fed with timestamped samples; it says how often it
wants them (fast while validating, a little slower while a ring is in progress, not at all
when idle, where the ring interrupt or a slow poll starts it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

import aio

VALIDATE_POLL_MS = 2  # comparator sampling while a ring is being validated
RINGING_POLL_MS = 6  # while a ring is in progress: no alias with 16–68 Hz zero crossings


class RingState(Enum):
    IDLE = "idle"
    VALIDATING = "validating"
    RINGING = "ringing"


@dataclass(frozen=True)
class RingVerdict:
    """What one sample decided: a ring started, stopped, or a detection was rejected."""

    kind: str  # "start", "stop" or "rejected"
    at_ms: int  # ring onset for "start", last ring activity for "stop", onset for "rejected"
    frequency_hz: float = 0.0
    reason: str = ""


@dataclass(frozen=True)
class RingValidationSettings:
    min_frequency_hz: float = 16.0
    max_frequency_hz: float = 68.0
    validate_ms: int = 160
    off_debounce_ms: int = 250
    frequency_tolerance: float = 0.05  # measurement allowance at the window edges

    @property
    def max_gap_ms(self) -> int:
        """Longest quiet stretch inside a ring: one half-cycle at the lowest frequency."""
        return math.ceil(1000.0 / (2 * self.min_frequency_hz) * 1.25)


class RingValidator:
    def __init__(self, settings: RingValidationSettings | None = None) -> None:
        self.settings = settings or RingValidationSettings()
        self.state = RingState.IDLE
        self.frequency_hz = 0.0
        self._reset()

    def _reset(self) -> None:
        self._onset_ms = 0
        self._last_active_ms = 0
        self._last_sign = 0
        self._alternations: list[int] = []

    @property
    def poll_interval_ms(self) -> int | None:
        if self.state is RingState.VALIDATING:
            return VALIDATE_POLL_MS
        if self.state is RingState.RINGING:
            return RINGING_POLL_MS
        return None

    def abandon(self) -> None:
        """Forget any ring in progress (the line was seized)."""
        self.state = RingState.IDLE
        self._reset()

    def trigger(self, now_ms: int) -> None:
        """The chip's ring interrupt fired: start validating even if this sample is quiet."""
        if self.state is RingState.IDLE:
            self.state = RingState.VALIDATING
            self._reset()
            self._onset_ms = self._last_active_ms = now_ms

    def feed(self, now_ms: int, positive: bool, negative: bool) -> RingVerdict | None:
        """One comparator sample at `now_ms`; returns a verdict when the state changes."""
        sign = 1 if positive else -1 if negative else 0
        if self.state is RingState.IDLE:
            if sign:
                self.state = RingState.VALIDATING
                self._onset_ms = self._last_active_ms = now_ms
                self._last_sign = sign
                self._alternations = []
            return None
        if sign:
            if sign != self._last_sign:
                if self._last_sign:
                    self._alternations.append(now_ms)
                self._last_sign = sign
            self._last_active_ms = now_ms
        quiet_ms = aio.ticks_diff(now_ms, self._last_active_ms)
        if self.state is RingState.VALIDATING:
            return self._validate(now_ms, quiet_ms)
        if quiet_ms >= self.settings.off_debounce_ms:
            stopped_at = self._last_active_ms
            self.state = RingState.IDLE
            self._reset()
            return RingVerdict("stop", stopped_at, self.frequency_hz)
        return None

    def _validate(self, now_ms: int, quiet_ms: int) -> RingVerdict | None:
        settings = self.settings
        if quiet_ms > settings.max_gap_ms:
            return self._reject(f"detector quiet for {quiet_ms} ms after {self._span()} ms")
        if aio.ticks_diff(now_ms, self._onset_ms) < settings.validate_ms:
            return None
        frequency = self._measured_frequency()
        low = settings.min_frequency_hz * (1 - settings.frequency_tolerance)
        high = settings.max_frequency_hz * (1 + settings.frequency_tolerance)
        if not low <= frequency <= high:
            return self._reject(
                f"ring signal at {frequency:.1f} Hz, outside {low:.0f}–{high:.0f} Hz"
            )
        self.state = RingState.RINGING
        self.frequency_hz = frequency
        return RingVerdict("start", self._onset_ms, frequency)

    def _measured_frequency(self) -> float:
        # Each alternation is half a cycle; the first one fixes the phase.
        if len(self._alternations) < 3:
            return 0.0
        span_s = aio.ticks_diff(self._alternations[-1], self._alternations[0]) / 1000.0
        return (len(self._alternations) - 1) / (2 * span_s) if span_s > 0 else 0.0

    def _span(self) -> int:
        return aio.ticks_diff(self._last_active_ms, self._onset_ms)

    def _reject(self, reason: str) -> RingVerdict:
        onset = self._onset_ms
        self.state = RingState.IDLE
        self._reset()
        return RingVerdict("rejected", onset, reason=reason)
