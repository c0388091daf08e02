"""Background-noise estimate and comfort noise for the echo canceller's NLP.

When the non-linear processor removes residual echo it must not leave dead silence (the
caller would think the line dropped), so it puts in noise that matches the line's own
background in level and spectrum. The estimate follows the quietest recent blocks of the
canceller's output (it falls at once, rises slowly), and the spectrum is learnt from
blocks near that floor. Noise is synthesised from that spectrum with random phases in
frames of two blocks, square-root-Hann windowed and overlap-added (hop = one block).

Synthesis runs SYNTHESIS_BLOCKS blocks at a time (one random draw and one inverse FFT for
all of them: per block, the calls would cost more than the arithmetic). Each block is
scaled to the learnt level as it is used, so the level follows the line at once; the
spectral shape, smoothed over ~10 blocks anyway, lags by at most a batch (160 ms).
"""

from __future__ import annotations

import numpy as np

NOISE_RISE_PER_BLOCK = 10.0 ** (0.06 / 10.0)  # the floor may rise 3 dB/s (0.06 dB a block)
NOISE_BLOCK_MARGIN = 10.0 ** (3.0 / 10.0)  # blocks within 3 dB of the floor shape the spectrum
SPECTRUM_SMOOTHING = 0.9
# Random-phase synthesis with a √Hann window at 50 % overlap halves the power of the
# analysed spectrum (see the module docstring); this restores it.
SYNTHESIS_GAIN = np.sqrt(2.0)
SYNTHESIS_BLOCKS = 8


class ComfortNoise:
    """Tracks the line's background noise and generates matching noise blocks."""

    def __init__(self, block: int, seed: int = 0x5EED) -> None:
        self.block = block
        self._window = np.sqrt(np.hanning(2 * block + 1)[:-1])  # periodic √Hann
        self._window_energy = float(np.sum(self._window**2))
        self._rng = np.random.default_rng(seed)
        self._seed = seed
        self.reset()

    def reset(self) -> None:
        self._rng = np.random.default_rng(self._seed)
        self.floor_power = 0.0  # mean square of the background, 0 = not yet known
        self._spectrum = np.zeros(self.block + 1)  # expected |FFT(window · noise)|²
        self._previous = np.zeros(self.block)  # previous output block, for analysis
        self._tail = np.zeros(self.block)  # second half of the frame before the batch
        self._tail_silent = True  # _tail is all zeros (most blocks use no comfort noise)
        self._batch: np.ndarray | None = None  # synthesised frames, 2 blocks each
        self._batch_floor = 0.0  # the floor power the batch was made for
        self._served = 0  # blocks of the batch already returned

    def observe(self, output: np.ndarray, far_active: bool, near_talk: bool) -> None:
        """Learn from one block of the canceller's linear output."""
        power = float(output.dot(output)) / output.size
        previous = self._previous
        self._previous = output.astype(np.float64)  # a copy: `output` may be reused
        if far_active or near_talk:
            # Residual echo or speech is not background; only let the floor fall.
            if 0.0 < power < self.floor_power:
                self.floor_power = power
            return
        frame = np.concatenate((previous, output))
        if self.floor_power == 0.0 or power < self.floor_power:
            self.floor_power = power
        else:
            self.floor_power = min(power, self.floor_power * NOISE_RISE_PER_BLOCK)
        if power <= self.floor_power * NOISE_BLOCK_MARGIN:
            spectrum = np.abs(np.fft.rfft(self._window * frame)) ** 2
            if not self._spectrum.any():
                self._spectrum = spectrum
            else:
                self._spectrum = (
                    SPECTRUM_SMOOTHING * self._spectrum + (1.0 - SPECTRUM_SMOOTHING) * spectrum
                )

    def skip_block(self) -> None:
        """A block passed without comfort noise: the next one starts afresh."""
        self._batch = None
        if not self._tail_silent:
            self._tail[:] = 0.0
            self._tail_silent = True

    def next_block(self) -> np.ndarray:
        """The next `block` samples of comfort noise (float, continuous across calls)."""
        if not self._spectrum.any() or self.floor_power <= 0.0:
            # Nothing learnt, or a digitally silent line: silence, and noise starts afresh.
            self.skip_block()
            return np.zeros(self.block)
        if self._batch is None or self._served == SYNTHESIS_BLOCKS:
            self._drop_batch()
            self._batch = self._synthesise()
            self._batch_floor = self.floor_power
        batch, served = self._batch, self._served
        self._served += 1
        tail = self._tail if served == 0 else batch[served - 1, self.block :]
        out = tail + batch[served, : self.block]
        if self.floor_power != self._batch_floor:
            out *= np.sqrt(self.floor_power / self._batch_floor)
        return out

    def _drop_batch(self) -> None:
        """Forget the frames not yet used; the last one used still overlaps the next."""
        if self._batch is not None and self._served:
            self._tail = self._batch[self._served - 1, self.block :].copy()
            self._tail_silent = False
        self._batch = None
        self._served = 0

    def _synthesise(self) -> np.ndarray:
        """SYNTHESIS_BLOCKS windowed noise frames at the learnt level and spectrum."""
        total = float(self._spectrum.sum())
        # Scale the learnt shape to the current floor (the floor reacts faster).
        expected = self.floor_power * self._window_energy * (self.block + 1)
        magnitude = np.sqrt(self._spectrum * (expected / total / 2.0))
        # Complex Gaussian bins: random phase and the Rayleigh magnitudes of real noise
        # (E|z|² = 2 for unit normal parts, hence the 1/2 above).
        bins = self._rng.standard_normal((2, SYNTHESIS_BLOCKS, self.block + 1))
        spectra = magnitude * (bins[0] + 1j * bins[1])
        frames = np.fft.irfft(spectra, 2 * self.block, axis=1)
        frames *= self._window * SYNTHESIS_GAIN
        return frames
