"""Measurements on recorded audio (int16 samples at 8 kHz), the way a rig's analyser makes
them. Levels are in dBm0: a sine with a peak of 32768·10^(−3.14/20) is 0 dBm0."""

from __future__ import annotations

import math

import numpy as np

from hil_tests.fixture.signals import DTMF_HIGH_HZ, DTMF_LOW_HZ

SAMPLE_RATE_HZ = 8000
DBM0_SINE_PEAK = 32768 * 10 ** (-3.14 / 20)
DBM0_MEAN_SQUARE = DBM0_SINE_PEAK**2 / 2
SILENCE_DBM0 = -150.0


def _dbm0(mean_square: float) -> float:
    if mean_square <= 0:
        return SILENCE_DBM0
    return max(SILENCE_DBM0, 10 * math.log10(mean_square / DBM0_MEAN_SQUARE))


def sine(frequency_hz: float | tuple[float, ...], seconds: float, level_dbm0: float) -> np.ndarray:
    """A steady tone (one or several frequencies, each at `level_dbm0`) as int16 samples."""
    frequencies = frequency_hz if isinstance(frequency_hz, tuple) else (frequency_hz,)
    t = np.arange(round(seconds * SAMPLE_RATE_HZ)) / SAMPLE_RATE_HZ
    peak = DBM0_SINE_PEAK * 10 ** (level_dbm0 / 20)
    wave = sum(peak * np.sin(2 * np.pi * f * t) for f in frequencies)
    return np.clip(np.rint(wave), -32768, 32767).astype(np.int16)


def level_dbm0(samples: np.ndarray) -> float:
    """Overall level."""
    if len(samples) == 0:
        return SILENCE_DBM0
    values = np.asarray(samples, dtype=np.float64)
    return _dbm0(float(np.mean(values * values)))


def _spectrum(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    values = np.asarray(samples, dtype=np.float64)
    window = np.hanning(len(values))
    power = np.abs(np.fft.rfft(values * window)) ** 2
    frequencies = np.fft.rfftfreq(len(values), 1 / SAMPLE_RATE_HZ)
    # Scale so a bin sum over a component's lobe gives its mean square.
    scale = 2 / (np.sum(window**2) * len(values))
    return frequencies, power, scale


def component_dbm0(samples: np.ndarray, frequency_hz: float) -> float:
    """Level of the component at `frequency_hz` (power within its main lobe)."""
    if len(samples) < 16:
        return SILENCE_DBM0
    frequencies, power, scale = _spectrum(samples)
    half_width = 3.0 * SAMPLE_RATE_HZ / len(samples) + 2.0
    band = np.abs(frequencies - frequency_hz) <= half_width
    return _dbm0(float(power[band].sum()) * scale)


def dominant_hz(samples: np.ndarray, count: int = 1) -> list[float]:
    """The `count` strongest frequencies, strongest first, each at least 40 Hz apart."""
    if len(samples) < 16:
        return []
    frequencies, power, _ = _spectrum(samples)
    order = np.argsort(power)[::-1]
    found: list[float] = []
    for index in order:
        f = float(frequencies[index])
        if f < 50 or any(abs(f - other) < 40 for other in found):
            continue
        # Refine with the neighbouring bins (parabolic interpolation on log power).
        if 0 < index < len(power) - 1:
            a, b, c = np.log(power[index - 1 : index + 2] + 1e-12)
            shift = 0.5 * (a - c) / (a - 2 * b + c) if (a - 2 * b + c) != 0 else 0.0
            f += float(shift) * (frequencies[1] - frequencies[0])
        found.append(f)
        if len(found) == count:
            break
    return found


def thd_percent(samples: np.ndarray, fundamental_hz: float) -> float:
    """Total harmonic distortion: harmonics 2..5 below 4 kHz against the fundamental."""
    fundamental = 10 ** (component_dbm0(samples, fundamental_hz) / 10)
    harmonics = sum(
        10 ** (component_dbm0(samples, fundamental_hz * n) / 10)
        for n in range(2, 6)
        if fundamental_hz * n < SAMPLE_RATE_HZ / 2 - 50
    )
    return 100 * math.sqrt(harmonics / fundamental) if fundamental > 0 else math.inf


def onset_s(samples: np.ndarray, frequency_hz: float, threshold_dbm0: float = -30) -> float | None:
    """Seconds from the first sample until the component at `frequency_hz` is first heard
    above `threshold_dbm0` (80-sample sliding detector), or None."""
    window = 80
    if len(samples) < window:
        return None
    n = np.arange(len(samples))
    mixed = np.asarray(samples, dtype=np.float64) * np.exp(
        -2j * np.pi * frequency_hz * n / SAMPLE_RATE_HZ
    )
    taps = np.ones(window) / window
    power = 2 * np.abs(np.convolve(mixed, taps, mode="valid")) ** 2
    above = np.flatnonzero(power >= DBM0_MEAN_SQUARE * 10 ** (threshold_dbm0 / 10))
    # The detector's window is centred on the moment the tone arrives.
    return (int(above[0]) + window // 2) / SAMPLE_RATE_HZ if len(above) else None


FAX_CALLING_HZ = 1100  # T.30 CNG: 0.5 s of 1100 Hz every 3.5 s (3 s of silence between)
FAX_CALLING_ON_S = 0.5
FAX_CALLING_OFF_S = 3.0


def fax_calling_tone(seconds: float, level_dbm0: float) -> np.ndarray:
    """What a calling fax machine sends until it is answered by another fax: CNG bursts."""
    burst = sine(FAX_CALLING_HZ, FAX_CALLING_ON_S, level_dbm0)
    period = np.concatenate([burst, np.zeros(round(FAX_CALLING_OFF_S * SAMPLE_RATE_HZ), np.int16)])
    count = math.ceil(seconds / (FAX_CALLING_ON_S + FAX_CALLING_OFF_S))
    return np.tile(period, count)[: round(seconds * SAMPLE_RATE_HZ)]


STEADY_FRAME = 160  # 20 ms


def steady_tone(
    samples: np.ndarray,
    frequency_hz: float,
    *,
    min_s: float,
    threshold_dbm0: float = -30,
    purity: float = 0.8,
) -> tuple[float, float] | None:
    """The first stretch of at least `min_s` in which a tone at `frequency_hz` carries
    nearly all of the sound (speech passing through the band does not): its start and
    length in seconds, or None."""
    frames = len(samples) // STEADY_FRAME
    present = []
    for index in range(frames):
        frame = samples[index * STEADY_FRAME : (index + 1) * STEADY_FRAME]
        tone = component_dbm0(frame, frequency_hz)
        present.append(
            tone >= threshold_dbm0 and tone >= level_dbm0(frame) + 10 * math.log10(purity)
        )
    runs = _runs(present, STEADY_FRAME / SAMPLE_RATE_HZ, min_s)
    return runs[0] if runs else None


def _runs(flags: list[bool], frame_s: float, min_s: float) -> list[tuple[float, float]]:
    """The stretches of consecutive true frames lasting at least `min_s`: each one's start
    and length in seconds."""
    found: list[tuple[float, float]] = []
    start = None
    for index, on in enumerate([*flags, False]):
        if on and start is None:
            start = index
        elif not on and start is not None:
            if (index - start) * frame_s >= min_s:
                found.append((start * frame_s, (index - start) * frame_s))
            start = None
    return found


def key_frequencies(key: str) -> tuple[int, int]:
    """The low- and high-group frequencies of a keypad key (the fixture's own table)."""
    if key not in DTMF_LOW_HZ:
        raise ValueError(f"{key!r} is not a DTMF key")
    return DTMF_LOW_HZ[key], DTMF_HIGH_HZ[key]


def key_tones(
    keys: str, *, on_s: float = 0.1, off_s: float = 0.1, level_dbm0: float = -7
) -> np.ndarray:
    """Keys pressed on a telephone: each key's two tones for `on_s`, then `off_s` quiet."""
    pause = np.zeros(round(off_s * SAMPLE_RATE_HZ), np.int16)
    pieces = [np.concatenate([sine(key_frequencies(k), on_s, level_dbm0), pause]) for k in keys]
    return np.concatenate(pieces) if pieces else np.zeros(0, np.int16)


BURST_FRAME = 40  # 5 ms


def bursts(
    samples: np.ndarray, *, threshold_dbm0: float = -20, min_s: float = 0.02
) -> list[tuple[float, float]]:
    """Stretches louder than `threshold_dbm0` (key tones, not line noise or echo): each
    one's start and length in seconds, judged in 5 ms frames."""
    frames = len(samples) // BURST_FRAME
    loud = [
        level_dbm0(samples[i * BURST_FRAME : (i + 1) * BURST_FRAME]) >= threshold_dbm0
        for i in range(frames)
    ]
    return _runs(loud, BURST_FRAME / SAMPLE_RATE_HZ, min_s)
