"""The high-pass at the start of a DAA's receive path, for the Si3050 emulator.

The Si3050 data sheet gives the receive path a low -3 dB corner at 5 Hz, or at 200 Hz
when register 31's FILT bit is set (the driver sets it, to keep mains hum and the low rumble
of the line off the PCM highway). The order of the filter is not published; a 2nd-order
Butterworth section (bilinear transform, prewarped corner) is modelled. Its state carries
from block to block, as the chip's filter runs continuously.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import lfilter

from drivers.sim.biquad import biquad


class ReceiveHighPass:
    """Filters blocks of int16 line audio; returns int16 (rounded, saturated)."""

    def __init__(self) -> None:
        self._corner_hz: float | None = None
        self._coefficients: tuple[np.ndarray, np.ndarray] = (np.ones(1), np.ones(1))
        self._state = np.zeros(2)

    def apply(self, samples: np.ndarray, corner_hz: float) -> np.ndarray:
        if corner_hz != self._corner_hz:
            self._corner_hz = corner_hz
            self._coefficients = biquad("highpass", corner_hz)
            self._state = np.zeros(2)
        filtered, self._state = lfilter(
            *self._coefficients, np.asarray(samples, dtype=np.float64), zi=self._state
        )
        return np.clip(np.rint(filtered), -32768, 32767).astype(np.int16)
