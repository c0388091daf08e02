"""Cadence tracking for the call-progress detector: one tone's on/off segments in 10 ms
ticks, matched against its cadence (see voice.tones.detector for the rules).

Decisions are taken at exact ticks, so they do not depend on how audio arrives in blocks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from voice.level import SAMPLE_RATE_HZ
from voice.tones.spec import ToneSpecLike, is_continuous

TICK_SAMPLES = 80  # 10 ms
WINDOW_SAMPLES = 400  # 50 ms: 20 Hz bins resolve 440 from 480 Hz and 400 from 450 Hz
CADENCE_TOLERANCE = 0.10  # exchanges' timing varies by ±10 %
CADENCE_SLACK_MS = 40  # plus what the 10 ms ticks and the window's edges blur
MIN_MATCHED_SEGMENTS = 4  # two whole cycles: busy is known within two cycles, and
# call-waiting bursts (two short beeps, a long pause) never pass for congestion
EARLY_QUIET_DB = 20.0  # an early pause must stay this far below the burst before it
EARLY_PAUSE_MS = 300  # a quiet pause this long after a burst of the right length will do
EARLY_QUIET_SKIP_TICKS = WINDOW_SAMPLES // TICK_SAMPLES  # the burst's end still fills the window
LEVEL_HISTORY_TICKS = 512  # levels kept for early decisions: longer than any burst and pause
# A tick shows a tone once the tone fills most of its window: on-segments are seen this many
# ticks late and end on time, so they measure this much short and off-segments as much long.
ON_DELAY_TICKS = 1.5


class Levels:
    """Recent per-tick tone power and reference-band power, by absolute tick.

    The last LEVEL_HISTORY_TICKS ticks count; the buffers hold twice that, so adding ticks
    moves data only once per LEVEL_HISTORY_TICKS.
    """

    def __init__(self) -> None:
        self.first = 0  # tick of the first kept value
        self._size = 0
        self._tone = np.zeros(2 * LEVEL_HISTORY_TICKS)
        self._band = np.zeros(2 * LEVEL_HISTORY_TICKS)

    def add(self, first: int, tone: NDArray[np.float64], band: NDArray[np.float64]) -> None:
        if self._size and self.first + self._size != first:
            self._size = 0  # a gap: start again
        if not self._size:
            self.first = first
        count = tone.size
        if count > LEVEL_HISTORY_TICKS:
            tone, band = tone[-LEVEL_HISTORY_TICKS:], band[-LEVEL_HISTORY_TICKS:]
            self.first, self._size = first + count - LEVEL_HISTORY_TICKS, 0
            count = LEVEL_HISTORY_TICKS
        if self._size + count > self._tone.size:
            keep = min(self._size, LEVEL_HISTORY_TICKS)
            drop = self._size - keep
            self._tone[:keep] = self._tone[drop : self._size]
            self._band[:keep] = self._band[drop : self._size]
            self.first += drop
            self._size = keep
        self._tone[self._size : self._size + count] = tone
        self._band[self._size : self._size + count] = band
        self._size += count

    def _slice(self, start: int, stop: int) -> slice:
        oldest = self.first + max(0, self._size - LEVEL_HISTORY_TICKS)
        return slice(max(0, max(start, oldest) - self.first), max(0, stop - self.first))

    def tone_mean(self, start: int, stop: int) -> float:
        values = self._tone[: self._size][self._slice(start, stop)]
        return float(values.mean()) if values.size else 0.0

    def band_max(self, start: int, stop: int) -> float:
        values = self._band[: self._size][self._slice(start, stop)]
        return float(values.max()) if values.size else 0.0


@dataclass
class Segment:
    on: bool
    start: int  # first tick
    end: int | None = None  # tick after the last; None while in progress
    observed: bool = True  # False for the sound already running when the detector started


class ToneTracker:
    """On/off history of one tone, its cadence matching and recognition state.

    Decisions are taken at exact ticks (a change is confirmed GLITCH ticks after it began;
    a running segment reaches a bound at a known tick), so they do not depend on how the
    ticks arrive in blocks.
    """

    def __init__(
        self,
        name: str,
        spec: ToneSpecLike,
        channels: list[int],
        continuous_ticks: int,
        glitch: int,
        early: bool = False,
    ) -> None:
        self.name = name
        self.channels = channels
        self.continuous = is_continuous(spec)
        tick_ms = TICK_SAMPLES * 1000 / SAMPLE_RATE_HZ
        self.pattern = [ms / tick_ms for ms in spec.cadence_ms]
        self.continuous_ticks = continuous_ticks
        self.glitch = glitch
        self.slack = CADENCE_SLACK_MS / tick_ms
        self.needed = max(MIN_MATCHED_SEGMENTS, len(self.pattern))
        self.state = False
        self.pending_start: int | None = None  # first tick of an unconfirmed change
        self.segments: list[Segment] = [Segment(False, 0, observed=False)]
        self.recognised = False
        # (recognised, first tick of the sound concerned, is that sound a tone, decision tick)
        self.events: list[tuple[bool, int, bool, int]] = []
        self.early = early and not self.continuous
        self.levels = Levels() if self.early else None
        self.early_from: int | None = None  # first tick of an early match not yet confirmed
        self._quiet_ratio = 10 ** (-EARLY_QUIET_DB / 10)
        self.early_pause = EARLY_PAUSE_MS / tick_ms
        self.early_blocked = False  # a tone ended: wait for a whole cycle without it
        self.cycle = sum(self.pattern) * (1 + CADENCE_TOLERANCE) + self.slack

    # Feeding ticks.

    def run(self, value: bool, tick: int, stop: int) -> None:
        """The raw decision was `value` for ticks tick … stop − 1."""
        if value == self.state:
            self.pending_start = None
            self._elapse(tick, stop)
            return
        if self.pending_start is None:
            self.pending_start = tick
        confirm = self.pending_start + self.glitch - 1
        if confirm >= stop:
            self._elapse(tick, stop)
            return
        self._elapse(tick, confirm)
        self._change(self.pending_start, value)
        self.pending_start = None
        self._decide(confirm)
        self._elapse(confirm + 1, stop)

    def _change(self, tick: int, value: bool) -> None:
        self.segments[-1].end = tick
        ended = self.segments[-1]
        if self.early_blocked and not ended.on and tick - ended.start > self.cycle:
            self.early_blocked = False
        observed = tick >= WINDOW_SAMPLES // TICK_SAMPLES  # not the stream's first window
        self.segments.append(Segment(value, tick, observed=observed))
        del self.segments[: -(self.needed + 2)]
        self.state = value

    # Decisions.

    @staticmethod
    def _length(segment: Segment, end: int) -> float:
        """Length in ticks, corrected for the late start of on-segments."""
        return end - segment.start + (ON_DELAY_TICKS if segment.on else -ON_DELAY_TICKS)

    def _bounds(self, index: int) -> tuple[float, float]:
        nominal = self.pattern[index % len(self.pattern)]
        return (
            nominal * (1 - CADENCE_TOLERANCE) - self.slack,
            nominal * (1 + CADENCE_TOLERANCE) + self.slack,
        )

    def _longest(self, on: bool) -> float:
        return max(self._bounds(i)[1] for i in range(0 if on else 1, len(self.pattern), 2))

    def _finished(self) -> list[Segment]:
        return [s for s in self.segments[:-1] if s.observed and s.end is not None]

    def _fits(self, run: list[Segment]) -> bool:
        """Whether finished segments `run` fit consecutive cadence segments (any phase)."""
        for phase in range(0 if run[0].on else 1, len(self.pattern), 2):
            fits = (
                low <= self._length(segment, segment.end) <= high  # type: ignore[arg-type]
                for i, segment in enumerate(run)
                for low, high in (self._bounds(phase + i),)
            )
            if all(fits):
                return True
        return False

    def _match(self) -> int | None:
        """First tick of the latest finished segments if they fit consecutive cadence
        segments (in any phase), else None."""
        finished = self._finished()
        if len(finished) < self.needed:
            return None
        run = finished[-self.needed :]
        return run[0].start if self._fits(run) else None

    def _early_still_fits(self) -> bool:
        """An early recognition too young for a full match: its segments still fit."""
        if self.early_from is None:
            return False
        run = [s for s in self._finished() if s.start >= self.early_from]
        return len(run) < self.needed and bool(run) and self._fits(run)

    def _decide(self, now: int) -> None:
        """A segment just finished (confirmed at tick `now`)."""
        if self.continuous:
            if self.recognised and not self.state:
                self._lose(self.segments[-1].start, now)
            return
        match = self._match()
        if match is not None and not self.recognised:
            self._recognise(match, now)
        elif self.recognised and match is None and not self._early_still_fits():
            self._lose(self.segments[-2].start, now)
        if match is not None:
            self.early_from = None

    def _elapse(self, tick: int, stop: int) -> None:
        """Time-triggered decisions while the current segment runs through ticks tick … stop−1."""
        if tick >= stop:
            return
        current = self.segments[-1]
        if self.continuous:
            if current.on and not self.recognised:
                at = max(tick, current.start + self.continuous_ticks - 1)
                if at < stop:
                    self._recognise(current.start, at)
            return
        if not self.recognised and self.early:
            early_at = self._early_tick(tick, stop)
            if early_at is not None:
                burst_start = self.segments[-2].start
                self.early_from = burst_start
                self._recognise(burst_start, early_at)
                tick = early_at + 1
                if tick >= stop:
                    return
        if self.recognised:
            # The first tick at which the running segment is longer than its cadence allows.
            too_long = self._longest(current.on) - self._length(current, current.start)
            at = max(tick, current.start + int(np.floor(too_long)) + 1)
            if at < stop:
                self._lose(current.start, at)

    def _early_tick(self, tick: int, stop: int) -> int | None:
        """The tick in tick … stop−1 at which a burst and a quiet pause of cadence lengths
        have been seen, if any."""
        if len(self.segments) < 2 or self.levels is None or self.early_blocked:
            return None
        burst, pause = self.segments[-2], self.segments[-1]
        if pause.on or not burst.on or not burst.observed or burst.end != pause.start:
            return None
        burst_length = self._length(burst, pause.start)
        for phase in range(0, len(self.pattern), 2):
            low, high = self._bounds(phase)
            if not low <= burst_length <= high:
                continue
            # The pause is long enough at the first tick where its length reaches the bound.
            enough = min(self._bounds(phase + 1)[0], self.early_pause)
            at = int(np.ceil(pause.start + enough + ON_DELAY_TICKS)) - 1
            pending = self.pending_start
            if not tick <= at < stop or (pending is not None and at >= pending):
                continue
            tone = self.levels.tone_mean(burst.start, pause.start)
            gap = self.levels.band_max(pause.start + EARLY_QUIET_SKIP_TICKS, at + 1)
            if tone > 0 and gap <= tone * self._quiet_ratio:
                return at
        return None

    def _recognise(self, sound: int, now: int) -> None:
        self.recognised = True
        self.events.append((True, sound, True, now))

    def _lose(self, sound: int, now: int) -> None:
        self.recognised = False
        self.early_from = None
        self.early_blocked = self.early
        on = any(s.on for s in self.segments if s.start == sound)
        self.events.append((False, sound, on, now))
