"""What a listener hears: dominant frequencies, levels, and call-progress tone recognition.

Frequencies come from one Hann-windowed, zero-padded FFT of the whole window with
parabolic interpolation of each peak (a fraction of a hertz for a steady tone, plenty to
tell 425 Hz from 440 Hz). The cadence comes from a 5 ms power envelope split into on and
off runs. A tone is recognised when the spectrum is the tone's frequencies and nothing
else (each specified frequency present within ±2 %, no other strong peak, and those
frequencies carrying most of the power) and the runs fit the tone's lead-in and cadence
within ±15 %. A window without any off period matches only continuous tones.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from drivers.frames import SAMPLE_RATE_HZ
from drivers.sim.world.levels import (
    DBM0_MEAN_SQUARE,
    SILENCE_DBM0,
    dbm0_from_power,
    level_dbm0,
)
from drivers.sim.world.signals import ToneSpecLike

DOMINANT_WITHIN_DB = 10.0
PEAK_SEPARATION_HZ = 12.0  # closer peaks are one component (cadence sidebands, leakage)
MAX_PEAKS = 8
FREQUENCY_TOLERANCE = 0.02
CADENCE_TOLERANCE = 0.15
CADENCE_SLACK_MS = 20  # envelope resolution added to the tolerance
MIN_PURITY = 0.8  # share of the power the tone's frequencies must carry
MIN_TONE_DBM0 = -50.0
ENVELOPE_MS = 5
ON_THRESHOLD_DB = 12.0  # frames within this of the loudest count as "on"
GLITCH_MS = 20  # shorter on/off runs are merged into their neighbours
_ENVELOPE = SAMPLE_RATE_HZ * ENVELOPE_MS // 1000


@dataclass(frozen=True)
class Hearing:
    """The result of listening to a window of audio."""

    frequencies: tuple[float, ...]  # dominant components, strongest first (Hz)
    level_dbm0: float  # whole window
    on_level_dbm0: float  # the parts where something sounded
    tone: str | None  # name of the recognised call-progress tone
    cadence_ms: tuple[int, ...] = ()  # complete on/off runs seen inside the window
    duration_s: float = 0.0


def _spectrum(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Frequencies, |X|² of the Hann-windowed, zero-padded FFT, and the power scale."""
    count = len(samples)
    window = np.hanning(count)
    size = 1 << max(13, math.ceil(math.log2(count * 4)))
    spectrum = np.abs(np.fft.rfft(np.asarray(samples, dtype=np.float64) * window, size)) ** 2
    scale = 2.0 / (size * float(np.sum(window * window)))  # |X|² in a band → mean square
    return np.fft.rfftfreq(size, 1 / SAMPLE_RATE_HZ), spectrum, scale


def dominant_frequencies(samples: np.ndarray) -> list[tuple[float, float]]:
    """(frequency Hz, level dBm0 at the peak bin) of peaks within 10 dB of the strongest."""
    if len(samples) < 16 or not np.any(samples):
        return []
    frequencies, power, _scale = _spectrum(samples)
    band = (frequencies > 50) & (frequencies < SAMPLE_RATE_HZ / 2 - 50)
    power = np.where(band, power, 0.0)
    strongest = float(power.max())
    if strongest <= 0:
        return []
    floor = strongest * 10 ** (-DOMINANT_WITHIN_DB / 10)
    inner = power[1:-1]
    peaks = np.flatnonzero((inner > power[:-2]) & (inner >= power[2:]) & (inner >= floor)) + 1
    peaks = peaks[np.argsort(power[peaks])[::-1]]
    step = frequencies[1]
    chosen: list[tuple[float, float]] = []
    for peak in peaks.tolist():
        left, centre, right = np.log(power[peak - 1 : peak + 2] + 1e-30)
        curvature = left - 2 * centre + right
        shift = 0.5 * (left - right) / curvature if curvature < 0 else 0.0
        frequency = float(frequencies[peak] + shift * step)
        if all(abs(frequency - other) > PEAK_SEPARATION_HZ for other, _ in chosen):
            chosen.append((frequency, 10 * math.log10(power[peak] / strongest)))
        if len(chosen) == MAX_PEAKS:
            break
    return chosen


def component_level_dbm0(samples: np.ndarray, frequency_hz: float) -> float:
    """Level (dBm0) of the component at `frequency_hz`: power within its main lobe."""
    if len(samples) < 16:
        return SILENCE_DBM0
    frequencies, power, scale = _spectrum(samples)
    half_width = 3.0 * SAMPLE_RATE_HZ / len(samples) + 2.0
    band = np.abs(frequencies - frequency_hz) <= half_width
    return dbm0_from_power(float(power[band].sum()) * scale)


def onset_index(
    samples: np.ndarray, frequency_hz: float, threshold_dbm0: float, window: int = 80
) -> int | None:
    """Index just after the first `window`-sample stretch where the component reaches
    `threshold_dbm0` (a causal detector's moment of recognition), or None."""
    if len(samples) < window:
        return None
    n = np.arange(len(samples))
    mixed = np.asarray(samples, dtype=np.float64) * np.exp(
        -2j * np.pi * frequency_hz * n / SAMPLE_RATE_HZ
    )
    taps = np.hanning(window)
    smoothed = np.convolve(mixed, taps / taps.sum(), mode="valid")
    power = 2 * np.abs(smoothed) ** 2  # mean square of the component
    threshold = DBM0_MEAN_SQUARE * 10 ** (threshold_dbm0 / 10)
    above = np.flatnonzero(power >= threshold)
    return int(above[0]) + window if len(above) else None


def on_off_runs(samples: np.ndarray) -> tuple[list[tuple[bool, int]], float]:
    """On/off runs (state, length in ms) of the 5 ms power envelope, and the on level."""
    frames = len(samples) // _ENVELOPE
    if frames == 0:
        return [], SILENCE_DBM0
    blocks = np.asarray(samples[: frames * _ENVELOPE], dtype=np.float64).reshape(frames, -1)
    power = np.mean(blocks * blocks, axis=1)
    smooth = np.median(np.stack((power, np.roll(power, 1), np.roll(power, -1))), axis=0)
    loudest = float(smooth.max())
    floor = DBM0_MEAN_SQUARE * 10 ** (MIN_TONE_DBM0 / 10)
    if loudest < floor:
        return [(False, frames * ENVELOPE_MS)], SILENCE_DBM0
    on = power >= max(floor, loudest * 10 ** (-ON_THRESHOLD_DB / 10))
    on_level = dbm0_from_power(float(power[on].mean()))
    runs = _runs(on)
    glitch = GLITCH_MS // ENVELOPE_MS
    while len(runs) > 1:
        short = [i for i, (_state, length) in enumerate(runs) if length < glitch]
        if not short:
            break
        # The shortest first: a beat null of a dual tone next to the window's edge must not
        # flip the few on-blocks before it into a spurious off run.
        index = min(short, key=lambda i: runs[i][1])
        state, length = runs[index]
        runs[index] = (not state, length)
        runs = _merge(runs)
    return [(state, length * ENVELOPE_MS) for state, length in runs], on_level


def _runs(on: np.ndarray) -> list[tuple[bool, int]]:
    edges = np.flatnonzero(np.diff(on.astype(np.int8))) + 1
    bounds = [0, *edges.tolist(), len(on)]
    return [(bool(on[a]), b - a) for a, b in itertools.pairwise(bounds)]


def _merge(runs: list[tuple[bool, int]]) -> list[tuple[bool, int]]:
    merged: list[tuple[bool, int]] = []
    for state, length in runs:
        if merged and merged[-1][0] == state:
            merged[-1] = (state, merged[-1][1] + length)
        else:
            merged.append((state, length))
    return merged


def _fits(observed: float, expected: float, *, truncated: bool) -> bool:
    slack = max(CADENCE_TOLERANCE * expected, CADENCE_SLACK_MS)
    if truncated:
        return observed <= expected + slack
    return abs(observed - expected) <= slack


def cadence_fits(runs: Sequence[tuple[bool, int]], spec: ToneSpecLike) -> float | None:
    """Mean relative error of the best alignment of `runs` on the spec's pattern, or None.

    The first and last runs are cut by the window, so they only need to be no longer than
    the segment they fall in. A virtual, endless "off" before the tone started lets a
    window catch the tone's beginning.
    """
    if not any(state for state, _ in runs):
        return None
    internal = runs[1:-1]
    cadence, lead = list(spec.cadence_ms), list(spec.lead_in_ms)
    if not internal:
        # Nothing complete was seen: only a tone that is on for good fits.
        return 0.0 if not cadence and runs[-1][0] else None
    repeats = 1 if not cadence else math.ceil((len(runs) + 2) / len(cadence)) + 1
    pattern: list[float] = [float(ms) for ms in lead + cadence * repeats]
    if not cadence:
        pattern.append(math.inf)  # on for good after the lead-in
    scores = [
        _alignment_error(runs, pattern, first)
        for first in range(-1, len(lead) + max(len(cadence), 1))
    ]
    valid = [score for score in scores if score is not None]
    return min(valid) if valid else None


def _alignment_error(
    runs: Sequence[tuple[bool, int]], pattern: Sequence[float], first: int
) -> float | None:
    """Mean relative error of the complete runs when run 0 falls in segment `first`."""
    errors: list[float] = []
    for offset, (state, length) in enumerate(runs):
        position = first + offset
        if position >= len(pattern):
            return None
        expected = math.inf if position < 0 else pattern[position]
        expected_on = position >= 0 and position % 2 == 0
        edge = offset in (0, len(runs) - 1)
        if state != expected_on or not _fits(length, expected, truncated=edge):
            return None
        if not edge:
            if math.isinf(expected):
                return None
            errors.append(abs(length - expected) / expected)
    return float(np.mean(errors)) if errors else 0.0


def _purity(samples: np.ndarray, frequencies_hz: Sequence[float]) -> float:
    frequencies, power, _scale = _spectrum(samples)
    band = (frequencies > 50) & (frequencies < SAMPLE_RATE_HZ / 2 - 50)
    total = float(power[band].sum())
    if total <= 0:
        return 0.0
    near = np.zeros_like(band)
    for frequency in frequencies_hz:
        near |= np.abs(frequencies - frequency) <= FREQUENCY_TOLERANCE * frequency + 15
    return float(power[near & band].sum()) / total


def frequencies_fit(found: Sequence[float], expected: Sequence[float]) -> bool:
    """Each expected frequency found within ±2 % and nothing strong besides them."""

    def near(a: float, b: float) -> bool:
        return abs(a - b) <= FREQUENCY_TOLERANCE * b

    return all(any(near(f, e) for f in found) for e in expected) and all(
        any(near(f, e) for e in expected) for f in found
    )


def recognise(
    samples: np.ndarray,
    tones: Mapping[str, ToneSpecLike],
    peaks: Sequence[float],
    runs: Sequence[tuple[bool, int]],
    on_level: float,
) -> str | None:
    """Name of the tone in `tones` these samples are, or None."""
    if on_level < MIN_TONE_DBM0 or not peaks:
        return None
    candidates: list[tuple[float, int, str]] = []
    for name, spec in tones.items():
        if not frequencies_fit(peaks, spec.frequencies):
            continue
        score = cadence_fits(runs, spec)
        if score is None or _purity(samples, spec.frequencies) < MIN_PURITY:
            continue
        candidates.append((score, len(spec.lead_in_ms), name))
    return min(candidates)[2] if candidates else None


def listen(samples: np.ndarray, tones: Mapping[str, ToneSpecLike]) -> Hearing:
    """Analyse a window of audio: frequencies, levels, cadence and tone."""
    runs, on_level = on_off_runs(samples)
    peaks = dominant_frequencies(samples) if on_level >= MIN_TONE_DBM0 else []
    frequencies = tuple(round(frequency, 1) for frequency, _ in peaks)
    return Hearing(
        frequencies=frequencies,
        level_dbm0=level_dbm0(samples),
        on_level_dbm0=on_level,
        tone=recognise(samples, tones, frequencies, runs, on_level) if tones else None,
        cadence_ms=tuple(length for _state, length in runs[1:-1]),
        duration_s=len(samples) / SAMPLE_RATE_HZ,
    )
