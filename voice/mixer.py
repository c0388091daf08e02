"""Mixing int16 audio with saturation: sums, gains and the conference "everyone but me" mix.

Sums are formed in int32 (eight int16 parties cannot overflow it) or float for gains, and
clipped once at the end, so a loud talker saturates the result instead of wrapping around.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

INT16_MIN = -32768
INT16_MAX = 32767
MAX_PARTIES = 64  # int32 sums of int16 stay exact far beyond any bridge we build


def saturate(samples: ArrayLike) -> NDArray[np.int16]:
    """Round and clip any numeric array to int16."""
    x = np.asarray(samples)
    if np.issubdtype(x.dtype, np.floating):
        x = np.rint(x)
    return np.clip(x, INT16_MIN, INT16_MAX).astype(np.int16)


def db_to_gain(db: float) -> float:
    """Linear amplitude factor for a gain in dB."""
    return float(10 ** (db / 20))


def apply_gain(frame: ArrayLike, gain_db: float) -> NDArray[np.int16]:
    """`frame` scaled by `gain_db`, saturated to int16."""
    x = np.asarray(frame)
    if gain_db == 0:
        return saturate(x)
    return saturate(x.astype(np.float64) * db_to_gain(gain_db))


def _stack(frames: Sequence[ArrayLike] | NDArray[np.int16]) -> NDArray[np.int32]:
    stacked = np.asarray(frames)
    if stacked.ndim != 2:
        raise ValueError("frames must be a sequence of equal-length 1-D frames (parties × samples)")
    if stacked.shape[0] > MAX_PARTIES:
        raise ValueError(f"at most {MAX_PARTIES} parties can be mixed, got {stacked.shape[0]}")
    return stacked.astype(np.int32)


def _weighted(stacked: NDArray[np.int32], gains_db: Sequence[float] | None) -> NDArray:
    if gains_db is None:
        return stacked
    if len(gains_db) != stacked.shape[0]:
        raise ValueError(f"{len(gains_db)} gains given for {stacked.shape[0]} parties")
    factors = np.array([db_to_gain(g) for g in gains_db])
    return stacked * factors[:, None]


def mix(
    frames: Sequence[ArrayLike] | NDArray[np.int16], gains_db: Sequence[float] | None = None
) -> NDArray[np.int16]:
    """Saturating sum of equal-length int16 frames, each optionally scaled by its gain."""
    stacked = _stack(frames)
    return saturate(_weighted(stacked, gains_db).sum(axis=0))


def mix_minus(
    frames: Sequence[ArrayLike] | NDArray[np.int16], gains_db: Sequence[float] | None = None
) -> NDArray[np.int16]:
    """What each conference party hears: the sum of every other party, saturated.

    `frames` is parties × samples; the result has the same shape, row i being everyone's
    audio except party i's. `gains_db` scales each party's contribution (e.g. to level a quiet
    line). One vectorised pass: the total minus each own contribution.
    """
    weighted = _weighted(_stack(frames), gains_db)
    total = weighted.sum(axis=0)
    return saturate(total[None, :] - weighted)
