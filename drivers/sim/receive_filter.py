"""The high-pass at the start of a DAA's receive path, for the Si3050 emulator.

The Si3050 data sheet gives the receive path a low -3 dB corner at 5 Hz, or at 200 Hz
when register 31's FILT bit is set (the driver sets it, to keep mains hum and the low rumble
of the line off the PCM highway). The order of the filter is not published; a 2nd-order
Butterworth section (bilinear transform, prewarped corner) is modelled. Its state carries
from block to block, as the chip's filter runs continuously.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.signal import lfilter

SAMPLE_RATE_HZ = 8000


def highpass_coefficients(corner_hz: float) -> tuple[np.ndarray, np.ndarray]:
    """2nd-order Butterworth high-pass with its -3 dB point at `corner_hz`."""
    w0 = 2 * math.pi * corner_hz / SAMPLE_RATE_HZ
    alpha = math.sin(w0) / math.sqrt(2)
    cos_w0 = math.cos(w0)
    b = np.array([(1 + cos_w0) / 2, -(1 + cos_w0), (1 + cos_w0) / 2])
    a = np.array([1 + alpha, -2 * cos_w0, 1 - alpha])
    return b / a[0], a / a[0]


class ReceiveHighPass:
    """Filters blocks of int16 line audio; returns int16 (rounded, saturated)."""

    def __init__(self) -> None:
        self._corner_hz: float | None = None
        self._coefficients: tuple[np.ndarray, np.ndarray] = (np.ones(1), np.ones(1))
        self._state = np.zeros(2)

    def apply(self, samples: np.ndarray, corner_hz: float) -> np.ndarray:
        if corner_hz != self._corner_hz:
            self._corner_hz = corner_hz
            self._coefficients = highpass_coefficients(corner_hz)
            self._state = np.zeros(2)
        filtered, self._state = lfilter(
            *self._coefficients, np.asarray(samples, dtype=np.float64), zi=self._state
        )
        return np.clip(np.rint(filtered), -32768, 32767).astype(np.int16)
