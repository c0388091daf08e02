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

The on/off bookkeeping and the cadence matching live in voice.tones.cadence. Tones on the
same frequencies share one on/off decision per tick, and a batch in which no component can
be present skips the analysis beyond the analysers themselves.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

import numpy as np
from numpy.typing import ArrayLike, NDArray

from voice.level import SAMPLE_RATE_HZ, dbm0_to_amplitude
from voice.tones.bank import Ticks, ToneBank
from voice.tones.cadence import (
    CADENCE_SLACK_MS,
    EARLY_PAUSE_MS,
    ON_DELAY_TICKS,
    TICK_SAMPLES,
    WINDOW_SAMPLES,
    Levels,
    ToneTracker,
)
from voice.tones.spec import ToneSpecLike, check, is_continuous

log = logging.getLogger(__name__)

DETECTABLE = ("dial", "busy", "congestion", "ringback")
REFERENCE_BAND_HZ = (200.0, 3600.0)
MIN_COMPONENT_DBM0 = -46.0  # tones are recognised from 0 down to −40 dBm0
FREQUENCY_TOLERANCE = 0.025  # exchanges keep ±2 %; a 440 Hz note is 3.5 % off 425 Hz
MAX_COMPONENT_SPREAD_DB = 10.0
MIN_PURITY = 0.7
FREQUENCY_SMOOTHING_TICKS = 3
MAX_GAIN_CORRECTION = 4.0
GLITCH_MS = 40
MIN_CONTINUOUS_MS = 1000  # longer than any stutter of special dial tone
CONTINUOUS_MARGIN = 1.15  # beyond the longest on-segment of a same-frequency cadenced tone
SAME_FREQUENCY_TOLERANCE = 0.01
_SPREAD = 10 ** (MAX_COMPONENT_SPREAD_DB / 20)
# An early pause's band power is read at most EARLY_PAUSE_MS (+ the on-delay) after the
# burst's last sounding tick; twice that is kept in reach.
EARLY_BAND_LOOKBACK_TICKS = 2 * (EARLY_PAUSE_MS * SAMPLE_RATE_HZ // 1000 // TICK_SAMPLES + 3)
BATCH_SAMPLES = 800  # analyse 100 ms at a time by default: cheaper where no one is in a hurry


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


class CallProgressDetector:
    """Recognises a country's dial, busy, congestion and ringback tones in int16 audio.

    `tones` maps tone names to specs (e.g. `load_country("RU").tones`); only the names in
    `detect` are looked for, and those in `early` may be recognised after one cycle (see
    the module notes). `feed()` takes blocks of any length and returns ToneEvents; audio is
    analysed every `batch_samples` (decisions keep their 10 ms resolution; only their
    reporting waits for the batch).
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
            ToneTracker(
                name,
                spec,
                [frequencies.index(round(float(f))) for f in spec.frequencies],
                self._continuous_ticks(spec),
                glitch,
                early=name in early,
            )
            for name, spec in self.specs.items()
        ]
        # Trackers listening to the same frequencies share one on/off decision per tick.
        channel_sets = list(dict.fromkeys(tuple(t.channels) for t in self._trackers))
        self._groups = [
            (list(channels), [t for t in self._trackers if tuple(t.channels) == channels])
            for channels in channel_sets
        ]
        self._tracker_groups = [channel_sets.index(tuple(t.channels)) for t in self._trackers]
        # Early trackers on the same frequencies see the same levels: they share them.
        self._group_inputs: list[tuple[list[int], Levels | None]] = []
        for channels, trackers in self._groups:
            sharing = [t for t in trackers if t.levels is not None]
            for tracker in sharing[1:]:
                tracker.levels = sharing[0].levels
            self._group_inputs.append((channels, sharing[0].levels if sharing else None))
        self._frequency_column = self._frequencies[:, None]
        self._last_on = [-EARLY_BAND_LOOKBACK_TICKS - 1] * len(self._groups)  # tick, per group
        self._min_amplitude = dbm0_to_amplitude(MIN_COMPONENT_DBM0)
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
        # A copy as given (the caller may reuse its buffer before the batch is analysed); the
        # bank takes the batch to float64 as it joins its history.
        self._pending.append(np.array(samples).reshape(-1))
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
        events: list[ToneEvent] = []
        runs = self._sounding(ticks)
        for tracker, group in zip(self._trackers, self._tracker_groups, strict=True):
            events += self._track(tracker, runs[group], ticks.first)
        events.sort(key=lambda event: event.detected_sample)
        return events

    def _sounding(self, ticks: Ticks) -> list[list[tuple[bool, int, int]]]:
        """For every group of trackers, the runs of new ticks in which its tone is sounding
        or not (early trackers also get the levels their pauses are judged by)."""
        z_new, count = ticks.z, ticks.count
        z = np.concatenate((self._z, z_new), axis=1)
        self._z = z[:, -(FREQUENCY_SMOOTHING_TICKS + 1) :]
        silent = [(False, 0, count)]
        # A quiet line: no component can be present even after the largest window-loss
        # correction, and no tone sounded lately, so no level of these ticks will be read.
        faint = self._min_amplitude / (2 * MAX_GAIN_CORRECTION)
        magnitude = np.abs(z_new)
        if magnitude.max() < faint and all(
            last_on < ticks.first - EARLY_BAND_LOOKBACK_TICKS for last_on in self._last_on
        ):
            for _channels, levels in self._group_inputs:
                if levels is not None:
                    levels.add(ticks.first, _zeros(count), _zeros(count))
            return [silent] * len(self._group_inputs)
        turn = np.cumsum(z[:, 1:] * np.conj(z[:, :-1]), axis=1)
        smoothed = (turn[:, FREQUENCY_SMOOTHING_TICKS:] - turn[:, :-FREQUENCY_SMOOTHING_TICKS])[
            :, -count:
        ]
        distance_hz = np.abs(_angle(smoothed) / (2 * np.pi * self._bank.tick_s))
        gain = np.maximum(self._bank.gain_at_distance(distance_hz), 1 / MAX_GAIN_CORRECTION)
        amplitude = 2 * magnitude / gain
        present = (amplitude >= self._min_amplitude) & (
            distance_hz / self._frequency_column <= FREQUENCY_TOLERANCE
        )
        anything = bool(present.any())
        groups = []
        for index, (channels, levels) in enumerate(self._group_inputs):
            if not anything and levels is None:
                groups.append(silent)
                continue
            if len(channels) == 1:
                parts = amplitude[channels[0]]
                tone_power = parts**2 / 2
            else:
                parts = amplitude[channels]
                tone_power = np.sum(parts**2, axis=0) / 2
            on = silent
            if anything:
                sounding = tone_power >= MIN_PURITY * ticks.power
                if len(channels) == 1:
                    sounding &= present[channels[0]]
                else:
                    sounding &= np.all(present[channels], axis=0) & (
                        parts.max(axis=0) <= _SPREAD * parts.min(axis=0)
                    )
                if sounding.any():
                    on = _runs(sounding)
                    self._last_on[index] = ticks.first + int(np.flatnonzero(sounding)[-1])
            if levels is not None:
                # The band's power is only ever read in the pause right after a burst.
                recent = self._last_on[index] >= ticks.first - EARLY_BAND_LOOKBACK_TICKS
                band = ticks.power if anything or recent else _zeros(count)
                levels.add(ticks.first, tone_power, band)
            groups.append(on)
        return groups

    def _track(
        self, tracker: ToneTracker, runs: list[tuple[bool, int, int]], first: int
    ) -> list[ToneEvent]:
        for on, begin, end in runs:
            tracker.run(on, first + begin, first + end)
        if not tracker.events:
            return []
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


@cache
def _zeros(count: int) -> NDArray[np.float64]:
    zeros = np.zeros(count)
    zeros.setflags(write=False)
    return zeros


def _runs(on: NDArray[np.bool_]) -> list[tuple[bool, int, int]]:
    """Runs of equal values: (value, first index, index after the last)."""
    change = np.flatnonzero(on[1:] != on[:-1]) + 1
    bounds = [0, *change.tolist(), on.size]
    return [(bool(on[begin]), begin, end) for begin, end in itertools.pairwise(bounds)]


def _angle(z: NDArray[np.complex128]) -> NDArray[np.float64]:
    """np.angle without its wrapper's cost (the same arctan2)."""
    return np.arctan2(z.imag, z.real)


def _same_frequencies(a: ToneSpecLike, b: ToneSpecLike) -> bool:
    fa, fb = sorted(float(f) for f in a.frequencies), sorted(float(f) for f in b.frequencies)
    return len(fa) == len(fb) and all(
        abs(x - y) <= SAME_FREQUENCY_TOLERANCE * x for x, y in zip(fa, fb, strict=True)
    )
