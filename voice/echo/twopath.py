"""Two models of the echo path: one that learns and one that is heard.

The background model adapts every block the far end is active and no double talk is seen;
the foreground model makes the output. The background replaces the foreground only while it
cancels clearly better, and restarts from the foreground when it has become much worse (it
adapted on near-end speech the detectors missed). So double talk can slow learning but not
spoil the output.
"""

from __future__ import annotations

import logging

import numpy as np

from .mdf import PartitionedFilter

log = logging.getLogger(__name__)

SMOOTHING = 0.5  # of the block error energies compared
COPY_RATIO = 0.8  # background replaces foreground when its error is this much smaller
RESET_RATIO = 4.0  # background restarts from foreground when its error is this much larger


class TwoPathModel:
    """A background and a foreground `PartitionedFilter` and the rule that moves between them."""

    def __init__(self, block: int, partitions: int) -> None:
        self.block = block
        # Both models' weights in one array: one product gives both estimates.
        self._weights = np.zeros((2, partitions, block + 1), dtype=np.complex128)
        self.foreground = PartitionedFilter(block, partitions, self._weights[0])
        self.background = PartitionedFilter(block, partitions, self._weights[1])
        self.reset()

    def estimates(self, spectra: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Echo estimates of the newest block: the foreground's and the background's
        (`spectra` newest first; one array for both while the models are the same)."""
        if self._same:
            total = (self._weights[0] * spectra).sum(axis=0)
            estimate = np.fft.irfft(total, 2 * self.block)[self.block :]
            return estimate, estimate
        totals = (self._weights * spectra).sum(axis=1)
        both = np.fft.irfft(totals, 2 * self.block, axis=1)[:, self.block :]
        return both[0], both[1]

    def adapt_background(
        self, spectra: np.ndarray, error_spectrum: np.ndarray, gain: np.ndarray
    ) -> None:
        """One step of the background model (`PartitionedFilter.adapt`)."""
        self.background.adapt(spectra, error_spectrum, gain)
        self._same = False

    def reset(self) -> None:
        self.background.reset()
        self.foreground.reset()
        self._same = True  # the models are equal: one estimate serves both
        self._background_error = 0.0
        self._foreground_error = 0.0
        self._received = 0.0

    def try_background(self, taps: np.ndarray) -> None:
        """The background becomes `taps` (a least-squares fit); like anything the
        background learns, it is heard only once it cancels better on the blocks that
        follow, so a fit that explained near-end talk as echo is never heard."""
        self.background.set_impulse_response(taps)
        self._same = False
        self._background_error = self._foreground_error

    def compare(
        self, background: float, foreground: float, energy: float, min_erle_db: float = 0.0
    ) -> None:
        """Weigh one block's error energies of both models (and the energy received): copy
        the background into the foreground if it cancels better and takes at least
        `min_erle_db` off what was received, or restart it if it cancels far worse."""
        smoothing = SMOOTHING
        self._background_error = smoothing * self._background_error + (1 - smoothing) * background
        self._foreground_error = smoothing * self._foreground_error + (1 - smoothing) * foreground
        self._received = smoothing * self._received + (1 - smoothing) * energy
        better = self._background_error < COPY_RATIO * self._foreground_error
        if better and self._background_error * 10.0 ** (min_erle_db / 10.0) < self._received:
            self.foreground.copy_from(self.background)
            self._same = True
            self._foreground_error = self._background_error
        elif self._background_error > RESET_RATIO * self._foreground_error:
            log.debug("echo canceller background model diverged; restarting it")
            self.background.copy_from(self.foreground)
            self._same = True
            self._background_error = self._foreground_error
