"""Cadence-aware call-progress tone detector: dial, busy, congestion and ringback.

Given the tone specs a country uses, the detector tells an FXO port whether the line offers
dial tone (alive, ready for dialling) and notices busy or congestion (the far end hung up
and the exchange says so). Every 10 ms a bank of narrow-band analysers (voice.tones.bank,
50 ms Hann window) decides for each tone whether it is sounding: each of its frequencies
present within FREQUENCY_TOLERANCE and above MIN_COMPONENT_DBM0, the components within
MAX_COMPONENT_SPREAD_DB of each other, and together carrying MIN_PURITY of the power in
REFERENCE_BAND_HZ (speech and music spread their power; a tone concentrates it).

On/off changes shorter than GLITCH_MS are ignored. A cadenced tone is recognised when the
last few segments (at least MIN_MATCHED_SEGMENTS and a whole cadence) match consecutive
segments of its cadence within ±CADENCE_TOLERANCE + CADENCE_SLACK_MS; a continuous tone
when it has sounded longer than any cadenced tone of the same frequencies can (and at
least MIN_CONTINUOUS_MS).

Tones named in `early` (busy and congestion, when a hang-up must be noticed quickly) may
also be recognised after one cadence cycle: an on-segment of the right length followed by
a pause that has lasted the shortest pause the cadence allows (or EARLY_PAUSE_MS, if less)
and has stayed quiet (at least EARLY_QUIET_DB below the tone: the exchange sends nothing
between bursts, whereas a tone-like moment of speech or music is followed by more sound).
The following segments must keep fitting, or the tone is reported ended; after a tone ends,
early recognition waits until the tone has been absent for a whole cycle (it is for the
start of a tone). Where two such tones share frequencies and timings (GB congestion starts
like busy), the early name may be the other one; the full match follows.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from voice.level import SAMPLE_RATE_HZ, dbm0_to_amplitude
from voice.tones.bank import ToneBank
from voice.tones.spec import ToneSpecLike, check, is_continuous

log = logging.getLogger(__name__)

DETECTABLE = ("dial", "busy", "congestion", "ringback")
TICK_SAMPLES = 80  # 10 ms
WINDOW_SAMPLES = 400  # 50 ms: 20 Hz bins resolve 440 from 480 Hz and 400 from 450 Hz
REFERENCE_BAND_HZ = (200.0, 3600.0)
MIN_COMPONENT_DBM0 = -46.0  # tones are recognised from 0 down to −40 dBm0
FREQUENCY_TOLERANCE = 0.025  # exchanges keep ±2 %; a 440 Hz note is 3.5 % off 425 Hz
MAX_COMPONENT_SPREAD_DB = 10.0
MIN_PURITY = 0.7
FREQUENCY_SMOOTHING_TICKS = 3
MAX_GAIN_CORRECTION = 4.0
GLITCH_MS = 40
CADENCE_TOLERANCE = 0.10  # exchanges' timing varies by ±10 %
CADENCE_SLACK_MS = 40  # plus what the 10 ms ticks and the window's edges blur
MIN_MATCHED_SEGMENTS = 4  # two whole cycles: busy is known within two cycles, and
# call-waiting bursts (two short beeps, a long pause) never pass for congestion
MIN_CONTINUOUS_MS = 1000  # longer than any stutter of special dial tone
CONTINUOUS_MARGIN = 1.15  # beyond the longest on-segment of a same-frequency cadenced tone
SAME_FREQUENCY_TOLERANCE = 0.01
BATCH_SAMPLES = 800  # analyse 100 ms at a time by default: cheaper where no one is in a hurry
EARLY_QUIET_DB = 20.0  # an early pause must stay this far below the burst before it
EARLY_PAUSE_MS = 300  # a quiet pause this long after a burst of the right length will do
EARLY_QUIET_SKIP_TICKS = WINDOW_SAMPLES // TICK_SAMPLES  # the burst's end still fills the window
LEVEL_HISTORY_TICKS = 512  # levels kept for early decisions: longer than any burst and pause
# A tick shows a tone once the tone fills most of its window: on-segments are seen this many
# ticks late and end on time, so they measure this much short and off-segments as much long.
ON_DELAY_TICKS = 1.5


@dataclass(frozen=True)
class ToneEvent:
    """A tone was recognised (`detected=True`) or stopped matching (`detected=False`).

    `sample` is where the matched sound began (or where the tone stopped); `detected_sample`
    is when the detector decided. Both count from the detector's first sample.
    """

    tone: str
    detected: bool
    sample: int
    detected_sample: int
    sample_rate: int = SAMPLE_RATE_HZ

    @property
    def time_ms(self) -> float:
        return self.sample * 1000 / self.sample_rate

    @property
    def detected_ms(self) -> float:
        return self.detected_sample * 1000 / self.sample_rate


class _Levels:
    """Recent per-tick tone power and reference-band power, by absolute tick."""

    def __init__(self) -> None:
        self.first = 0
        self.tone = np.zeros(0)
        self.band = np.zeros(0)

    def add(self, first: int, tone: NDArray[np.float64], band: NDArray[np.float64]) -> None:
        if self.tone.size and self.first + self.tone.size != first:
            self.tone, self.band = np.zeros(0), np.zeros(0)  # a gap: start again
        if not self.tone.size:
            self.first = first
        self.tone = np.concatenate((self.tone, tone))[-LEVEL_HISTORY_TICKS:]
        self.band = np.concatenate((self.band, band))[-LEVEL_HISTORY_TICKS:]
        self.first = first + tone.size - self.tone.size

    def _slice(self, start: int, stop: int) -> slice:
        return slice(max(0, start - self.first), max(0, stop - self.first))

    def tone_mean(self, start: int, stop: int) -> float:
        values = self.tone[self._slice(start, stop)]
        return float(values.mean()) if values.size else 0.0

    def band_max(self, start: int, stop: int) -> float:
        values = self.band[self._slice(start, stop)]
        return float(values.max()) if values.size else 0.0


@dataclass
class _Segment:
    on: bool
    start: int  # first tick
    end: int | None = None  # tick after the last; None while in progress
    observed: bool = True  # False for the sound already running when the detector started


class _ToneTracker:
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
        self.segments: list[_Segment] = [_Segment(False, 0, observed=False)]
        self.recognised = False
        # (recognised, first tick of the sound concerned, is that sound a tone, decision tick)
        self.events: list[tuple[bool, int, bool, int]] = []
        self.early = early and not self.continuous
        self.levels = _Levels() if self.early else None
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
        self.segments.append(_Segment(value, tick, observed=observed))
        del self.segments[: -(self.needed + 2)]
        self.state = value

    # Decisions.

    @staticmethod
    def _length(segment: _Segment, end: int) -> float:
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

    def _finished(self) -> list[_Segment]:
        return [s for s in self.segments[:-1] if s.observed and s.end is not None]

    def _fits(self, run: list[_Segment]) -> bool:
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


class CallProgressDetector:
    """Recognises a country's dial, busy, congestion and ringback tones in int16 audio.

    `tones` maps tone names to specs (e.g. `load_country("RU").tones`); only the names in
    `detect` are looked for, and those in `early` may be recognised after one cycle (see
    the module notes). `feed()` takes blocks of any length and returns ToneEvents; audio is
    analysed every `batch_samples` (a line watching for a hang-up wants every frame).
    """

    def __init__(
        self,
        tones: Mapping[str, ToneSpecLike],
        detect: Iterable[str] = DETECTABLE,
        sample_rate: int = SAMPLE_RATE_HZ,
        *,
        early: Iterable[str] = (),
        batch_samples: int = BATCH_SAMPLES,
    ) -> None:
        if sample_rate != SAMPLE_RATE_HZ:
            raise ValueError(f"the tone detector works at {SAMPLE_RATE_HZ} Hz, not {sample_rate}")
        if batch_samples < 1:
            raise ValueError(f"batch_samples must be at least 1, got {batch_samples}")
        self.batch_samples = batch_samples
        self.specs = {name: tones[name] for name in detect if name in tones}
        early = set(early)
        if not self.specs:
            raise ValueError(f"none of {tuple(detect)} is among the given tones {tuple(tones)}")
        for spec in self.specs.values():
            check(spec)
        frequencies = sorted({round(float(f)) for s in self.specs.values() for f in s.frequencies})
        self._frequencies = np.array(frequencies, dtype=float)
        self._bank = ToneBank(
            frequencies, WINDOW_SAMPLES, TICK_SAMPLES, reference_band_hz=REFERENCE_BAND_HZ
        )
        glitch = round(GLITCH_MS * sample_rate / 1000 / TICK_SAMPLES)
        self._trackers = [
            _ToneTracker(
                name,
                spec,
                [frequencies.index(round(float(f))) for f in spec.frequencies],
                self._continuous_ticks(spec),
                glitch,
                early=name in early,
            )
            for name, spec in self.specs.items()
        ]
        self._z = np.zeros((len(frequencies), FREQUENCY_SMOOTHING_TICKS + 1), dtype=complex)
        self._pending: list[NDArray[np.float64]] = []
        self._pending_samples = 0

    def _continuous_ticks(self, spec: ToneSpecLike) -> int:
        """How long a continuous tone must sound before it can be nothing else."""
        longest = 0
        for other in self.specs.values():
            if other is spec or is_continuous(other) or not _same_frequencies(spec, other):
                continue
            longest = max([longest, *other.cadence_ms[::2], *other.lead_in_ms[::2]])
        ms = max(MIN_CONTINUOUS_MS, longest * CONTINUOUS_MARGIN + CADENCE_SLACK_MS)
        return round(ms * SAMPLE_RATE_HZ / 1000 / TICK_SAMPLES)

    @property
    def current(self) -> str | None:
        """The tone recognised at the moment, if any."""
        return next((t.name for t in self._trackers if t.recognised), None)

    def feed(self, samples: ArrayLike) -> list[ToneEvent]:
        """Take a block of int16 audio (any length); return the tones recognised or ended.

        Audio is analysed once `batch_samples` have gathered (decisions keep their exact
        sample positions); `flush()` analyses what is left.
        """
        self._pending.append(np.asarray(samples, dtype=np.float64).ravel())
        self._pending_samples += self._pending[-1].size
        if self._pending_samples < self.batch_samples:
            return []
        return self.flush()

    def flush(self) -> list[ToneEvent]:
        """Analyse the audio gathered so far."""
        block = np.concatenate(self._pending) if self._pending else np.zeros(0)
        self._pending, self._pending_samples = [], 0
        ticks = self._bank.process(block)
        if ticks.count == 0:
            return []
        on = self._sounding(ticks.z, ticks.power, ticks.first)
        events: list[ToneEvent] = []
        for row, tracker in zip(on, self._trackers, strict=True):
            events += self._track(tracker, row, ticks.first)
        events.sort(key=lambda event: event.detected_sample)
        return events

    def _sounding(
        self, z_new: NDArray[np.complex128], power: NDArray[np.float64], first: int
    ) -> NDArray:
        """For every tone and new tick, whether the tone is sounding (and, for early
        trackers, the levels their pauses are judged by)."""
        count = z_new.shape[1]
        z = np.concatenate((self._z, z_new), axis=1)
        self._z = z[:, -(FREQUENCY_SMOOTHING_TICKS + 1) :]
        turn = np.cumsum(z[:, 1:] * np.conj(z[:, :-1]), axis=1)
        smoothed = (turn[:, FREQUENCY_SMOOTHING_TICKS:] - turn[:, :-FREQUENCY_SMOOTHING_TICKS])[
            :, -count:
        ]
        offset_hz = np.angle(smoothed) / (2 * np.pi * self._bank.tick_s)
        deviation = np.abs(offset_hz) / self._frequencies[:, None]
        gain = np.maximum(self._bank.gain(offset_hz), 1 / MAX_GAIN_CORRECTION)
        amplitude = 2 * np.abs(z_new) / gain
        present = (amplitude >= dbm0_to_amplitude(MIN_COMPONENT_DBM0)) & (
            deviation <= FREQUENCY_TOLERANCE
        )
        spread = 10 ** (MAX_COMPONENT_SPREAD_DB / 20)
        rows = []
        for tracker in self._trackers:
            parts = amplitude[tracker.channels]
            tone_power = np.sum(parts**2, axis=0) / 2
            if tracker.levels is not None:
                tracker.levels.add(first, tone_power, power)
            rows.append(
                np.all(present[tracker.channels], axis=0)
                & (parts.max(axis=0) <= spread * parts.min(axis=0))
                & (tone_power >= MIN_PURITY * power)
            )
        return np.array(rows)

    def _track(self, tracker: _ToneTracker, on: NDArray[np.bool_], first: int) -> list[ToneEvent]:
        change = np.flatnonzero(np.diff(on.astype(np.int8))) + 1
        bounds = np.concatenate(([0], change, [on.size]))
        for begin, end in itertools.pairwise(bounds):
            tracker.run(bool(on[begin]), first + int(begin), first + int(end))
        events = [self._event(tracker.name, *decision) for decision in tracker.events]
        for event in events:
            log.info("%s tone %s", event.tone, "recognised" if event.detected else "ended")
        tracker.events.clear()
        return events

    @staticmethod
    def _event(
        name: str, detected: bool, sound_tick: int, tone: bool, decision_tick: int
    ) -> ToneEvent:
        # A tick describes the window ending with it; an edge lies at the window's centre,
        # and a tone's start is seen ON_DELAY_TICKS late.
        lag = WINDOW_SAMPLES // 2 - TICK_SAMPLES + (ON_DELAY_TICKS * TICK_SAMPLES if tone else 0)
        sample = max(0, round(sound_tick * TICK_SAMPLES - lag))
        return ToneEvent(name, detected, sample, (decision_tick + 1) * TICK_SAMPLES)


def _same_frequencies(a: ToneSpecLike, b: ToneSpecLike) -> bool:
    fa, fb = sorted(float(f) for f in a.frequencies), sorted(float(f) for f in b.frequencies)
    return len(fa) == len(fb) and all(
        abs(x - y) <= SAME_FREQUENCY_TOLERANCE * x for x, y in zip(fa, fb, strict=True)
    )
