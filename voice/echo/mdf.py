"""Partitioned-block frequency-domain adaptive filter (multidelay filter, MDF).

The echo path model is split into `partitions` pieces of `block` taps each. Every block of
far-end signal is transformed once (overlap-save, FFT of two blocks); the echo estimate is
the sum over partitions of spectrum × weights, and adaptation is a normalised LMS step per
frequency bin with the gradient constrained back to `block` taps (so the weights stay a
linear, not circular, convolution). Normalising per bin whitens speech, which is what makes
frequency-domain adaptation converge in a fraction of a second where time-domain NLMS
needs several.
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
        self.previous = np.zeros(self.block)  # far-end samples of the block before the newest

    def spectrum_of(self, current: np.ndarray) -> np.ndarray:
        """Overlap-save spectrum of [previous block, `current`] (shorter `current` = zeros)."""
        frame = np.zeros(2 * self.block)
        frame[: self.block] = self.previous
        frame[self.block : self.block + current.size] = current
        return np.fft.rfft(frame)

    def push(self, spectrum: np.ndarray, current: np.ndarray) -> None:
        """Make `spectrum` (of the now complete block `current`) the newest partition."""
        self.spectra[1:] = self.spectra[:-1]
        self.spectra[0] = spectrum
        self.previous = current.astype(np.float64, copy=True)

    def spectrum_of_block(self, samples: np.ndarray) -> np.ndarray:
        """Spectrum of one block alone (zeros where the previous block would be), on the
        same bins as the far-end spectra, as the error is transformed for adaptation."""
        frame = np.zeros(2 * self.block)
        frame[self.block :] = samples
        return np.fft.rfft(frame)

    def with_newest(self, spectrum: np.ndarray) -> np.ndarray:
        """The partition spectra as they will be once `spectrum` is the newest."""
        stacked = np.empty_like(self.spectra)
        stacked[0] = spectrum
        stacked[1:] = self.spectra[:-1]
        return stacked


class PartitionedFilter:
    """Frequency-domain weights of one echo path model."""

    def __init__(self, block: int, partitions: int) -> None:
        self.block = block
        self.partitions = partitions
        self.weights = np.zeros((partitions, block + 1), dtype=np.complex128)

    def reset(self) -> None:
        self.weights[:] = 0.0

    def copy_from(self, other: PartitionedFilter) -> None:
        self.weights[:] = other.weights

    def estimate(self, spectra: np.ndarray) -> np.ndarray:
        """Time-domain echo estimate for the newest block (`block` samples)."""
        total = np.einsum("pk,pk->k", spectra, self.weights)
        return np.fft.irfft(total, 2 * self.block)[self.block :]

    def adapt(
        self,
        spectra: np.ndarray,
        error: np.ndarray,
        normaliser: np.ndarray,
        step: float,
        bins: np.ndarray | None = None,
    ) -> None:
        """One constrained, per-bin normalised LMS step from the block's `error` samples,
        taken only in the frequency `bins` selected (a boolean mask; None = all)."""
        frame = np.zeros(2 * self.block)
        frame[self.block :] = error
        scaled = np.fft.rfft(frame) / normaliser
        if bins is not None:
            scaled = np.where(bins, scaled, 0.0)
        gradient = np.conj(spectra) * scaled[None, :]
        taps = np.fft.irfft(gradient, 2 * self.block, axis=1)
        taps[:, self.block :] = 0.0
        self.weights += step * np.fft.rfft(taps, axis=1)

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
