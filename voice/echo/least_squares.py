"""A least-squares fit of the echo path over the last seconds of far-end speech.

Speech excites the band so unevenly that stochastic-gradient adaptation (NLMS, and the
frequency-domain MDF in `voice.echo.mdf`) needs several seconds to reach 30 dB of echo
return loss enhancement on the long dispersive G.168 paths: each 20 ms block only corrects
the directions that block happened to excite. The least-squares solution over the whole
recent history uses everything seen so far at once; on recorded speech one second of it
already gives 30–40 dB. A fit costs 0.4–0.7 ms at 64 taps and ~1.5 ms at 256 on the
bench machine, so it runs a few times a second, and only while the canceller is still
learning a new echo path.

The covariance matrix of the window, R[i, j] = Σ x[n−i]·x[n−j], is not Toeplitz for speech
(it changes within the window), but R[i+1, j+1] differs from R[i, j] only by the two
samples at the window's ends. So its first row comes from one FFT correlation and every
other diagonal from a running sum of end products: O(taps²) rather than O(window·taps²).
Correlations need only lags below `taps`, so transforms as long as the window suffice
(16384 points for two seconds, not twice that), and x, its window and the received signal
go through one batched call. Only the upper triangle is built: LAPACK's Cholesky reads
nothing else, and the fit's residual follows from the solved equations without R·f.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from numpy.lib.stride_tricks import as_strided
from scipy.linalg import lapack

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
        # Far end (row 0) and received (row 1) in time order up to `_end`; the last
        # taps + window samples count. Twice that room, so that the history moves back
        # to the start only every taps + window samples, not on every push.
        self._span = taps + window
        self._history = np.zeros((2, 2 * self._span))
        self._end = self._span
        self._filled = 0  # valid samples at the end of the near-end window
        self._transform_rows = np.zeros((3, 0))  # kept: 400 kB fresh each fit page-faults

    def _rows(self, size: int) -> np.ndarray:
        if self._transform_rows.shape[1] != size:
            self._transform_rows = np.zeros((3, size))
        return self._transform_rows

    def reset(self) -> None:
        self._history[:] = 0.0
        self._end = self._span
        self._filled = 0

    @property
    def _far(self) -> np.ndarray:
        return self._history[0, self._end - self._span : self._end]

    @property
    def _near(self) -> np.ndarray:
        return self._history[1, self._end - self.window : self._end]

    def forget(self) -> None:
        """Drop what was received so far (it no longer follows the present echo path); the
        far-end history stays, as the echo of it may still arrive."""
        self._filled = 0

    def push(self, far: np.ndarray, near: np.ndarray) -> None:
        count = far.size
        end = self._end
        if end + count > self._history.shape[1]:
            self._history[:, : self._span - count] = self._history[
                :, end - self._span + count : end
            ]
            end = self._span - count
        self._history[0, end : end + count] = far
        self._history[1, end : end + count] = near
        self._end = end + count
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
        # The correlations below need lags 0 … length − 1 only: a transform as long as x
        # keeps them free of wrap-around. One call transforms x, its window and d.
        size = 1 << int(np.ceil(np.log2(x.size)))
        rows = self._rows(size)
        rows[0, : x.size] = x
        rows[0, x.size :] = 0.0
        rows[1, :count] = x[length - 1 :]
        rows[2, :count] = d
        rows[1:, count:] = 0.0
        spectra = np.fft.rfft(rows, axis=1)
        products = spectra[1:] * np.conj(spectra[0])
        full = np.fft.irfft(products, size, axis=1)
        # Lag l pairs y[k] with x[k + length − 1 − l]: index −(length − 1 − l).
        lags = np.arange(-(length - 1), 1) % size
        first_row, cross = full[0, lags], full[1, lags]  # R[0, l] and c[l]
        by_lag = self._covariance_by_lag(x, first_row, length)
        trace = float(by_lag[0].sum())
        power = trace / length
        if power <= 0.0 or trace**2 < MIN_EFFECTIVE_RANK * self._squared_norm(by_lag):
            return None
        loading = LOADING * power + 1e-9
        by_lag[0] += loading
        covariance = self._upper_triangle(by_lag)
        target = cross.copy()
        if prior is not None:
            target += loading * prior[offset : offset + length]
        # LAPACK's Cholesky reads only the upper triangle (scipy.linalg's wrappers would
        # add more than the factorisation itself costs at these sizes).
        factor, info = lapack.dpotrf(covariance, lower=0, clean=0, overwrite_a=1)
        if info != 0:
            return None
        fitted, info = lapack.dpotrs(factor, target, lower=0)
        if info != 0:
            return None
        # |d − X·f|² = d·d − 2 f·c + f·R·f, with R and c as measured (without the loading);
        # (R + loading·I)·f = target, so f·R·f = f·target − loading·f·f.
        explained = float(fitted @ target) - loading * float(fitted @ fitted)
        residual = float(np.dot(d, d)) - 2.0 * float(fitted @ cross) + explained
        taps = np.zeros(self.taps)
        taps[offset : offset + length] = fitted
        return taps, max(residual, 0.0)

    @staticmethod
    def _covariance_by_lag(x: np.ndarray, first_row: np.ndarray, taps: int) -> np.ndarray:
        """R[i, i + l] at [l, i] (valid for i < taps − l), from R's first row and the
        samples at the window's ends."""
        window = x[taps - 1 :]
        # R[i+1, j+1] = R[i, j] + x[a−1−i]·x[a−1−j] − x[b−1−i]·x[b−1−j], window [a, b).
        start = x[: taps - 1][::-1]  # x[a−1−m], m = 0 … taps−2
        end = window[::-1][: 2 * taps - 1]  # x[b−1−m]
        start = np.concatenate((start, np.zeros(taps)))[: 2 * taps - 1]
        if end.size < 2 * taps - 1:
            end = np.concatenate((end, x[: taps - 1][::-1]))[: 2 * taps - 1]
        # Built lag-major (rows = lag l, columns = end step m) so the running sum runs
        # along contiguous memory.
        head = start[None, : taps - 1] * _rows_of(start, taps)
        head -= end[None, : taps - 1] * _rows_of(end, taps)
        by_lag = np.empty((taps, taps))
        by_lag[:, 0] = 0.0
        np.cumsum(head, axis=1, out=by_lag[:, 1:])
        by_lag += first_row[:, None]  # by_lag[l, i] is now R[i, i + l]
        return by_lag

    @staticmethod
    def _squared_norm(by_lag: np.ndarray) -> float:
        """Σ R[i, j]² over the whole symmetric matrix."""
        return float(np.vdot(by_lag * by_lag, _norm_weights(by_lag.shape[0])))

    @staticmethod
    def _upper_triangle(by_lag: np.ndarray) -> np.ndarray:
        """R with its upper triangle (diagonal included) from `by_lag`; what lies below
        the diagonal is not R."""
        taps = by_lag.shape[0]
        # Row i from column i on: in a flat buffer with rows of `taps`, R[i, i + l] sits at
        # i·(taps + 1) + l; what spills past a row's end lands below the diagonal.
        flat = np.empty(taps * taps + taps)
        skewed = as_strided(flat, shape=(taps, taps), strides=(8 * (taps + 1), 8))
        skewed[:] = by_lag.T
        return flat[: taps * taps].reshape(taps, taps)


def _rows_of(samples: np.ndarray, taps: int) -> np.ndarray:
    """Row l = samples[l : l + taps − 1], l < taps, as a view (what sliding_window_view
    gives, without its checks, which cost more than the product at 64 taps)."""
    step = samples.strides[0]
    return as_strided(samples, shape=(taps, taps - 1), strides=(step, step), writeable=False)


@cache
def _norm_weights(taps: int) -> np.ndarray:
    """Weights of by_lag[l, i]² in Σ R[i, j]²: 1 on the diagonal, 2 for the two
    off-diagonal copies, 0 where i + l falls outside the matrix."""
    lags = np.arange(taps)[:, None]
    rows = np.arange(taps)[None, :]
    weights = np.where(lags == 0, 1.0, 2.0)
    return np.where(rows < taps - lags, weights, 0.0)
