"""Signal levels of the simulated world: int16 linear samples at 8 kHz, measured in dBm0.

The level convention is the one the whole product uses: a sine whose peak is
32768·10^(−3.14/20) (≈ 22 826) is 0 dBm0, the level G.711 calls the digital milliwatt.
"""

from __future__ import annotations

import math

import numpy as np

INT16_MAX = 32767
DBM0_SINE_PEAK = 32768 * 10 ** (-3.14 / 20)  # ≈ 22 826: peak of a 0 dBm0 sine
DBM0_MEAN_SQUARE = DBM0_SINE_PEAK**2 / 2  # mean square of that sine
SILENCE_DBM0 = -150.0  # what a level measurement of digital silence reports


def sine_peak(level_dbm0: float) -> float:
    """Peak amplitude of a sine at `level_dbm0`."""
    return DBM0_SINE_PEAK * 10 ** (level_dbm0 / 20)


def dbm0_from_power(mean_square: float) -> float:
    """Level in dBm0 of a signal with this mean square (int16 units)."""
    if mean_square <= 0:
        return SILENCE_DBM0
    return max(SILENCE_DBM0, 10 * math.log10(mean_square / DBM0_MEAN_SQUARE))


def level_dbm0(samples: np.ndarray) -> float:
    """Overall level of a block of samples in dBm0."""
    if len(samples) == 0:
        return SILENCE_DBM0
    values = np.asarray(samples, dtype=np.float64)
    return dbm0_from_power(float(np.mean(values * values)))


def to_int16(samples: np.ndarray) -> np.ndarray:
    """Round and saturate float samples to int16, as a codec's analog front end clips."""
    return np.clip(np.rint(samples), -32768, INT16_MAX).astype(np.int16)
