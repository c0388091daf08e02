"""Partitioned-block frequency-domain adaptive filter (multidelay filter, MDF).

The echo path model is split into `partitions` pieces of `block` taps each. Every block of
far-end signal is transformed once (overlap-save, FFT of two blocks); the echo estimate is
the sum over partitions of spectrum × weights, and adaptation is a normalised LMS step per
frequency bin with the gradient constrained back to `block` taps (so the weights stay a
linear, not circular, convolution). Normalising per bin whitens speech, which is what makes
frequency-domain adaptation converge in a fraction of a second where time-domain NLMS
needs several.

Cost: the canceller runs once per 20 ms block on every FXO port, where each numpy call
costs microseconds whatever its size, so buffers are kept and reused, the power per bin over
the tail is a running sum, and both models' estimates come from one product and one
inverse FFT (`TwoPathModel.estimates`).
"""

from __future__ import annotations

import numpy as np


class FarEndSpectra:
    """The far-end spectra of the last `partitions` blocks (newest first) and their power."""

    def __init__(self, block: int, partitions: int) -> None:
        self.block = block
        self.partitions = partitions
        self.bins = block + 1
        self.reset()

    def reset(self) -> None:
        self.spectra = np.zeros((self.partitions, self.bins), dtype=np.complex128)
        # |spectrum|² of each partition and their sum over the tail, kept as blocks arrive
        self._powers = np.zeros((self.partitions, self.bins))
        self.power = np.zeros(self.bins)
        self._frame = np.zeros(2 * self.block)  # [previous block, current block]
        # The current block is written here directly, saving a copy per block.
        self.current = self._frame[self.block :]
        self._padded = np.zeros((2, 2 * self.block))  # [zeros, one block], two at a time

    def spectrum(self, filled: int) -> np.ndarray:
        """Overlap-save spectrum of [previous block, `current`], of which the first `filled`
        samples are in (the rest is taken as zeros, and set so)."""
        if filled < self.block:
            self.current[filled:] = 0.0
        return np.fft.rfft(self._frame)

    def push(self, spectrum: np.ndarray) -> None:
        """Make `spectrum` (of the now complete block `current`) the newest partition."""
        self.spectra[1:] = self.spectra[:-1]
        self.spectra[0] = spectrum
        # Rounding makes the running sum drift by ~1e-16 of the loudest block's power,
        # far below the regularisation it is always used with.
        self.power -= self._powers[-1]
        self._powers[1:] = self._powers[:-1]
        newest = self._powers[0]
        np.square(np.abs(spectrum), out=newest)
        self.power += newest
        self._frame[: self.block] = self.current

    def spectra_of_blocks(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """Spectra of two blocks alone (zeros where the previous block would be), on the
        same bins as the far-end spectra, as signals are transformed for adaptation."""
        padded = self._padded
        padded[0, self.block :] = first
        padded[1, self.block :] = second
        return np.fft.rfft(padded, axis=1)

    def with_newest(self, spectrum: np.ndarray) -> np.ndarray:
        """The partition spectra as they will be once `spectrum` is the newest."""
        stacked = np.empty_like(self.spectra)
        stacked[0] = spectrum
        stacked[1:] = self.spectra[:-1]
        return stacked


class PartitionedFilter:
    """Frequency-domain weights of one echo path model (in `weights`, when given: a view
    into an array the caller shares between models)."""

    def __init__(self, block: int, partitions: int, weights: np.ndarray | None = None) -> None:
        self.block = block
        self.partitions = partitions
        shape = (partitions, block + 1)
        if weights is None:
            weights = np.zeros(shape, dtype=np.complex128)
        if weights.shape != shape:
            raise ValueError(f"weights must be {shape}, got {weights.shape}")
        self.weights = weights

    def reset(self) -> None:
        self.weights[:] = 0.0

    def copy_from(self, other: PartitionedFilter) -> None:
        self.weights[:] = other.weights

    def estimate(self, spectra: np.ndarray) -> np.ndarray:
        """Time-domain echo estimate for the newest block (`block` samples)."""
        total = np.einsum("pk,pk->k", spectra, self.weights)
        return np.fft.irfft(total, 2 * self.block)[self.block :]

    def adapt(self, spectra: np.ndarray, error_spectrum: np.ndarray, gain: np.ndarray) -> None:
        """One constrained LMS step from the block's error spectrum (of the error alone,
        `FarEndSpectra.spectra_of_blocks`), scaled per bin by `gain` (step ÷ normaliser,
        zero in bins that must not adapt)."""
        gradient = np.conj(spectra)
        gradient *= error_spectrum * gain
        taps = np.fft.irfft(gradient, 2 * self.block, axis=1)
        taps[:, self.block :] = 0.0
        self.weights += np.fft.rfft(taps, axis=1)

    def set_impulse_response(self, taps: np.ndarray) -> None:
        """Take the model from taps at 8 kHz (at most partitions × block of them)."""
        padded = np.zeros((self.partitions, 2 * self.block))
        flat = np.zeros(self.partitions * self.block)
        flat[: taps.size] = taps
        padded[:, : self.block] = flat.reshape(self.partitions, self.block)
        self.weights[:] = np.fft.rfft(padded, axis=1)

    def impulse_response(self) -> np.ndarray:
        """The model as taps (partitions × block), for inspection and tests."""
        taps = np.fft.irfft(self.weights, 2 * self.block, axis=1)[:, : self.block]
        return taps.ravel()
