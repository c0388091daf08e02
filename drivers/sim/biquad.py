"""Second-order filter sections for the simulated world and chips."""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

from drivers.frames import SAMPLE_RATE_HZ

BUTTERWORTH_Q = 1 / math.sqrt(2)


def biquad(
    kind: Literal["highpass", "lowpass"], corner_hz: float, q: float = BUTTERWORTH_Q
) -> tuple[np.ndarray, np.ndarray]:
    """2nd-order high- or low-pass section (bilinear transform, prewarped corner): (b, a)."""
    w0 = 2 * math.pi * corner_hz / SAMPLE_RATE_HZ
    alpha = math.sin(w0) / (2 * q)
    cos_w0 = math.cos(w0)
    if kind == "lowpass":
        b = np.array([(1 - cos_w0) / 2, 1 - cos_w0, (1 - cos_w0) / 2])
    else:
        b = np.array([(1 + cos_w0) / 2, -(1 + cos_w0), (1 + cos_w0) / 2])
    a = np.array([1 + alpha, -2 * cos_w0, 1 - alpha])
    return b / a[0], a / a[0]
