"""Test signals built here from first principles, independently of the code under test.

Levels follow the system convention stated in the task, computed here from its definition:
G.711 full scale (a sine of peak 32768) is +3.14 dBm0.
"""

from __future__ import annotations

import numpy as np

RATE = 8000
ZERO_DBM0_PEAK = 32768.0 * 10 ** (-3.14 / 20)
ROWS = (697.0, 770.0, 852.0, 941.0)
COLUMNS = (1209.0, 1336.0, 1477.0, 1633.0)
KEYS = ("123A", "456B", "789C", "*0#D")
ALL_DIGITS = "123A456B789C*0#D"


def peak(dbm0: float) -> float:
    return ZERO_DBM0_PEAK * 10 ** (dbm0 / 20)


def samples(ms: float) -> int:
    return round(ms * RATE / 1000)


def sine(frequency: float, dbm0: float, n: int, phase: float = 0.0) -> np.ndarray:
    t = np.arange(n) / RATE
    return peak(dbm0) * np.sin(2 * np.pi * frequency * t + phase)


def dual_tone(
    digit: str,
    ms: float,
    low_dbm0: float,
    high_dbm0: float,
    low_error: float = 0.0,
    high_error: float = 0.0,
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """A DTMF tone pair with relative frequency errors and random start phases."""
    rng = rng or np.random.default_rng(0)
    row = next(r for r, keys in enumerate(KEYS) if digit in keys)
    column = KEYS[row].index(digit)
    n = samples(ms)
    low = sine(ROWS[row] * (1 + low_error), low_dbm0, n, rng.uniform(0, 2 * np.pi))
    high = sine(COLUMNS[column] * (1 + high_error), high_dbm0, n, rng.uniform(0, 2 * np.pi))
    return low + high


def digit_train(
    digits: str,
    on_ms: float,
    off_ms: float,
    low_dbm0: float,
    high_dbm0: float,
    low_error: float = 0.0,
    high_error: float = 0.0,
    seed: int = 0,
    lead_ms: float = 60.0,
) -> tuple[np.ndarray, list[int]]:
    """Digits separated by silences; returns the float signal and each tone's start sample."""
    rng = np.random.default_rng(seed)
    parts = [np.zeros(samples(lead_ms))]
    starts = []
    position = parts[0].size
    for digit in digits:
        tone = dual_tone(digit, on_ms, low_dbm0, high_dbm0, low_error, high_error, rng)
        starts.append(position)
        parts += [tone, np.zeros(samples(off_ms))]
        position += tone.size + samples(off_ms)
    parts.append(np.zeros(samples(100)))
    return np.concatenate(parts), starts


def with_noise(signal: np.ndarray, snr_db: float, reference_power: float, seed: int = 1):
    """Add white Gaussian noise `snr_db` below `reference_power` (a mean square)."""
    rng = np.random.default_rng(seed)
    sigma = np.sqrt(reference_power / 10 ** (snr_db / 10))
    return signal + rng.normal(0.0, sigma, signal.size)


def to_int16(signal: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(signal), -32768, 32767).astype(np.int16)


# G.711 reference built from the recommendation's tables (segment end points and step
# sizes), on the 16-bit scale with the G.191 conversion of negative samples.
def _alaw_reference() -> tuple[np.ndarray, np.ndarray]:
    """(decision thresholds, reconstruction values) for A-law magnitudes on the 13-bit scale."""
    thresholds, values = [], []
    start = 0
    for segment in range(8):
        step = 2 if segment < 2 else 2**segment
        for _ in range(16):
            thresholds.append(start)
            values.append(start + step // 2)
            start += step
    return np.array(thresholds), np.array(values)


def _ulaw_reference() -> tuple[np.ndarray, np.ndarray]:
    """Same for µ-law on the 14-bit scale: segment s has 16 steps of 2^(s+1), first step 1."""
    thresholds, values = [0], [0]
    start = 1
    for segment in range(8):
        step = 2 ** (segment + 1)
        for index in range(16):
            if segment == 0 and index == 0:
                continue
            thresholds.append(start)
            values.append(start + step // 2)
            start += step
    return np.array(thresholds), np.array(values)


def g711_reference(law: str) -> tuple[np.ndarray, np.ndarray]:
    """Expected (code for every int16 value in order −32768…32767, decoded value per code)."""
    x = np.arange(-32768, 32768, dtype=np.int64)
    positive = x >= 0
    if law == "alaw":
        thresholds, values = _alaw_reference()
        magnitude = np.where(positive, x, -1 - x) >> 3
        index = np.searchsorted(thresholds, magnitude, side="right") - 1
        codes = np.where(positive, 0x80 | index, index) ^ 0x55
        decoded = np.zeros(256, dtype=np.int64)
        for i in range(128):
            decoded[(0x80 | i) ^ 0x55] = values[i] * 8
            decoded[i ^ 0x55] = -values[i] * 8
        return codes, decoded
    thresholds, values = _ulaw_reference()
    magnitude = np.minimum(np.where(positive, x, -1 - x) >> 2, 8158)
    index = np.searchsorted(thresholds, magnitude, side="right") - 1
    codes = np.where(positive, 0xFF - index, 0x7F - index)
    decoded = np.zeros(256, dtype=np.int64)
    for i in range(128):
        decoded[0xFF - i] = values[i] * 4
        decoded[0x7F - i] = -values[i] * 4
    return codes, decoded
