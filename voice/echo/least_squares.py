"""A least-squares fit of the echo path over the last second of far-end speech.

Speech excites the band so unevenly that stochastic-gradient adaptation (NLMS, and the
frequency-domain MDF in `voice.echo.mdf`) needs several seconds to reach 30 dB of echo
return loss enhancement on the long dispersive G.168 paths: each 20 ms block only corrects
the directions that block happened to excite. The least-squares solution over the whole
recent history uses everything seen so far at once; on recorded speech one second of it
already gives 30–40 dB. Solving the normal equations costs a few milliseconds, so it runs
a few times a second, and only while the canceller is still learning a new echo path.

The covariance matrix of the window, R[i, j] = Σ x[n−i]·x[n−j], is not Toeplitz for speech
(it changes within the window), but R[i+1, j+1] differs from R[i, j] only by the two
samples at the window's ends. So its first row comes from one FFT correlation and every
other diagonal from a running sum of end products: O(taps²) rather than O(window·taps²).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided, sliding_window_view
from scipy.linalg import LinAlgError, cho_factor, cho_solve

# Diagonal loading relative to the far-end power per tap: speech leaves some directions
# barely excited, and line noise would otherwise swing the fit wildly along them.
LOADING = 1e-3
# A far end of a few tones (effective rank trace(R)²/‖R‖² of 2 per tone) says nothing about
# the rest of the band; a fit to it would take a near-end tone at the same frequency for
# echo. Speech scores 12 and more over 256 taps.
MIN_EFFECTIVE_RANK = 8.0


class EchoPathFit:
    """Far-end and received history (a window of `window` samples) and the echo path
    (`taps` long) that explains the received signal best over it."""

    def __init__(self, taps: int, window: int) -> None:
        self.taps = taps
        self.window = window
        self._far = np.zeros(taps + window)
        self._near = np.zeros(window)
        self._filled = 0  # valid samples at the end of the near-end window

    def reset(self) -> None:
        self._far[:] = 0.0
        self._near[:] = 0.0
        self._filled = 0

    def forget(self) -> None:
        """Drop what was received so far (it no longer follows the present echo path); the
        far-end history stays, as the echo of it may still arrive."""
        self._filled = 0

    def push(self, far: np.ndarray, near: np.ndarray) -> None:
        count = far.size
        self._far[:-count] = self._far[count:]
        self._far[-count:] = far
        self._near[:-count] = self._near[count:]
        self._near[-count:] = near
        self._filled = min(self._filled + count, self.window)

    @property
    def filled(self) -> int:
        return self._filled

    def solve(
        self, offset: int = 0, length: int | None = None, prior: np.ndarray | None = None
    ) -> tuple[np.ndarray, float] | None:
        """The least-squares echo path over the filled part of the window (all `taps`,
        zero outside [offset, offset + length), all taps by default) and the energy it
        leaves of what was received there; None when the far end was silent or too
        narrow-band, or the equations are singular. Fewer taps: less estimation noise from
        the line noise, and a much cheaper solve. The diagonal loading pulls the fit
        towards `prior` (all taps; zeros by default): directions the window's speech
        barely excites keep what was learnt before instead of being lost."""
        count = self._filled
        length = self.taps - offset if length is None else min(length, self.taps - offset)
        if count < length:
            return None
        stop = self._far.size - offset
        x = self._far[stop - (count + length - 1) : stop]  # x[k + length − 1]: window k
        d = self._near[-count:]
        size = 1 << int(np.ceil(np.log2(x.size + count)))
        far_spectrum = np.conj(np.fft.rfft(x, size))
        covariance = self._covariance(x, far_spectrum, count, length)
        trace = float(np.trace(covariance))
        power = trace / length
        if power <= 0.0 or trace**2 < MIN_EFFECTIVE_RANK * float(np.vdot(covariance, covariance)):
            return None
        cross = self._correlate(d, far_spectrum, length)
        target = cross.copy()
        loading = LOADING * power + 1e-9
        covariance[np.diag_indices(length)] += loading
        if prior is not None:
            target += loading * prior[offset : offset + length]
        try:
            fitted = cho_solve(cho_factor(covariance, check_finite=False), target)
        except LinAlgError:
            return None
        # |d − X·f|² = d·d − 2 f·c + f·R·f, with R and c as measured (without the loading).
        explained = float(fitted @ (covariance @ fitted)) - loading * float(fitted @ fitted)
        residual = float(np.dot(d, d)) - 2.0 * float(fitted @ cross) + explained
        taps = np.zeros(self.taps)
        taps[offset : offset + length] = fitted
        return taps, max(residual, 0.0)

    @staticmethod
    def _correlate(d: np.ndarray, far_spectrum: np.ndarray, length: int) -> np.ndarray:
        """c[l] = Σ_k d[k]·x[k + length − 1 − l] over the window, from conj(X)."""
        size = 2 * (far_spectrum.size - 1)
        full = np.fft.irfft(np.fft.rfft(d, size) * far_spectrum, size)
        # Lag l pairs d[k] with x[k + length − 1 − l]: index −(length − 1 − l).
        lags = np.arange(length)
        return full[(lags - (length - 1)) % size]

    def _covariance(
        self, x: np.ndarray, far_spectrum: np.ndarray, count: int, taps: int
    ) -> np.ndarray:
        window = x[taps - 1 :]
        first_row = self._correlate(window, far_spectrum, taps)  # R[0, l]
        # R[i+1, j+1] = R[i, j] + x[a−1−i]·x[a−1−j] − x[b−1−i]·x[b−1−j], window [a, b).
        start = x[: taps - 1][::-1]  # x[a−1−m], m = 0 … taps−2
        end = window[::-1][: 2 * taps - 1]  # x[b−1−m]
        start = np.concatenate((start, np.zeros(taps)))[: 2 * taps - 1]
        if end.size < 2 * taps - 1:
            end = np.concatenate((end, x[: taps - 1][::-1]))[: 2 * taps - 1]
        # Built lag-major (rows = lag l, columns = end step m) so the running sum runs
        # along contiguous memory.
        head = start[None, : taps - 1] * sliding_window_view(start, taps - 1)[:taps]
        tail = end[None, : taps - 1] * sliding_window_view(end, taps - 1)[:taps]
        by_lag = np.zeros((taps, taps))
        np.cumsum(head - tail, axis=1, out=by_lag[:, 1:])
        by_lag += first_row[:, None]  # by_lag[l, i] is now R[i, i + l]
        # Write row i from column i on: in a flat buffer with rows of `taps`, R[i, i + l]
        # sits at i·(taps + 1) + l; what spills past a row's end lands below the diagonal,
        # which is then rebuilt from the upper triangle.
        flat = np.zeros(taps * taps + taps)
        skewed = as_strided(flat, shape=(taps, taps), strides=(8 * (taps + 1), 8))
        skewed[:] = by_lag.T
        upper = np.triu(flat[: taps * taps].reshape(taps, taps))
        covariance = upper + upper.T
        covariance[np.diag_indices(taps)] *= 0.5
        return covariance
