"""Least-squares fits of a new echo path, offered to the canceller's background model.

While a path is new (after a reset, or when a path that cancelled well stops cancelling
for PATH_CHANGE_BLOCKS of far-end speech in a row: a transfer onto another line, or talk),
the path is fitted over the last FIT_WINDOW_S, every FIT_EVERY_BLOCKS over the first
FIT_FAST_BLOCKS of far-end speech and every FIT_SLOW_EVERY_BLOCKS after, and each fit that
leaves at most half the foreground's error over that window becomes the background. The
two-path rule then hears it only if it also cancels better on what follows, so a fit that
took near-end talk for echo is never heard. The first fit covers the FIT_SUPPORT_TAPS
where the adaptive model locates the path; later ones the shortest span holding all but
FIT_SUPPORT_LEFT_DB of the previous fit, pulled towards what the foreground knows.

Fits are most of what learning a path costs. Measured on the recorded-speech tests
(`tests/voice/echo/`): halving the rate after the first second keeps every figure; fitting
every 200 ms after half a second instead, or stopping after 1.5 s of far-end speech instead
of 2, leaves D.8 at ERL 20 dB under 30 dB in double talk or 1.6 dB above it.
"""

from __future__ import annotations

import logging
from collections import deque

import numpy as np

from voice.level import SAMPLE_RATE_HZ

from .least_squares import EchoPathFit
from .twopath import TwoPathModel

log = logging.getLogger(__name__)

FIT_WINDOW_S = 2.0  # the least-squares fit looks back this far
FIT_MIN_S = 0.3  # ... and needs at least this much received since the path was new
FIT_EVERY_BLOCKS = 5  # a fit every 100 ms while learning ...
FIT_FAST_BLOCKS = 50  # ... over the first second of far-end speech of a path,
FIT_SLOW_EVERY_BLOCKS = 10  # then every 200 ms
FIT_LEARNING_BLOCKS = 100  # far-end blocks after a reset or a path change that get fits
FIT_BETTER = 0.5  # a fit replaces the models if it leaves half the foreground's error
FIT_SUPPORT_TAPS = 256  # once the path is located, fits cover at most its 32 ms
FIT_SUPPORT_MIN_TAPS = 64  # ... and at least 8 ms
FIT_SUPPORT_LEFT_DB = 35.0  # ... holding all but this much of the first fit's energy
PATH_CHANGE_BLOCKS = 5  # far-end blocks in a row with talk seen: maybe a new echo path
PATH_KNOWN_ERLE_DB = 15.0  # ... if the model cancelled this well before


class NewPathFitter:
    """Fits for one canceller: `block()` after every 160-sample block."""

    def __init__(self, taps: int, block: int, paths: TwoPathModel) -> None:
        self._block_size = block
        self._paths = paths
        self._fit_blocks = round(FIT_WINDOW_S * SAMPLE_RATE_HZ / block)
        self._fit = EchoPathFit(taps, self._fit_blocks * block)
        self._fit_min = round(FIT_MIN_S * SAMPLE_RATE_HZ)
        self.reset()

    def reset(self) -> None:
        self._fit.reset()
        self._fit_left = FIT_LEARNING_BLOCKS
        self._fit_countdown = 0
        self._suspect_blocks = 0
        self._support: tuple[int, int] | None = None  # (first tap, taps) later fits cover
        # foreground error energy per block over the window (a deque: no array call a block)
        self._window_errors = deque([0.0] * self._fit_blocks, maxlen=self._fit_blocks)

    @property
    def fitting(self) -> bool:
        """Fits are still being made for the present path."""
        return self._fit_left > 0

    def block(
        self,
        far: np.ndarray,
        near: np.ndarray,
        foreground_energy: float,
        far_active: bool,
        talk: bool,
        erle_db: float,
    ) -> bool:
        """While the echo path is new, fit it by least squares every FIT_EVERY_BLOCKS and
        take the fit when it cancels clearly better than the foreground over the window.
        Near-end talk in the window does not bias the fit (it is not correlated with the
        far end); it only leaves the fit no better than a converged foreground. True when
        a fit became the background."""
        self._fit.push(far, near)
        self._window_errors.append(foreground_energy)
        if far_active:
            self._suspect_blocks = self._suspect_blocks + 1 if talk else 0
        known = erle_db >= PATH_KNOWN_ERLE_DB  # else there is no old path to forget
        if known and far_active and self._suspect_blocks == PATH_CHANGE_BLOCKS:
            log.debug("echo canceller: talk or a new echo path; fitting from here on")
            self._fit.forget()
            self._support = None
            self._fit_left = FIT_LEARNING_BLOCKS
            self._fit_countdown = 0
        if self._fit_left == 0 or not far_active:
            return False
        self._fit_left -= 1
        self._fit_countdown -= 1
        if self._fit_countdown > 0 or self._fit.filled < self._fit_min:
            return False
        fast = self._fit_left >= FIT_LEARNING_BLOCKS - FIT_FAST_BLOCKS
        self._fit_countdown = FIT_EVERY_BLOCKS if fast else FIT_SLOW_EVERY_BLOCKS
        support = self._support or self._locate_path()
        if support is None:
            return False
        prior = self._paths.foreground.impulse_response()
        fit = self._fit.solve(*support, prior)
        if fit is None:
            return False
        taps, residual = fit
        blocks = self._fit.filled // self._block_size
        foreground = float(np.array(self._window_errors)[-blocks:].sum())
        if residual < FIT_BETTER * foreground:
            self._paths.try_background(taps)
            self._support = self._strongest_span(taps)
            return True
        return False

    def _locate_path(self) -> tuple[int, int] | None:
        """Where a new echo path lies, from the adaptive background model's first guess:
        the FIT_SUPPORT_TAPS holding most of its energy (a fit over the whole tail would
        cost 8 times as much and carry twice the noise)."""
        model = self._paths.background.impulse_response()[: self._fit.taps]
        length = min(FIT_SUPPORT_TAPS, model.size)
        energy = np.concatenate(([0.0], np.cumsum(model**2)))
        if energy[-1] <= 0.0:
            return None
        spans = energy[length:] - energy[: energy.size - length]
        return int(np.argmax(spans)), length

    @staticmethod
    def _strongest_span(taps: np.ndarray) -> tuple[int, int]:
        """(first tap, length) of the shortest span, FIT_SUPPORT_MIN_TAPS to
        FIT_SUPPORT_TAPS long, holding all but FIT_SUPPORT_LEFT_DB of the path's energy."""
        energy = np.concatenate(([0.0], np.cumsum(taps**2)))
        wanted = energy[-1] * (1.0 - 10.0 ** (-FIT_SUPPORT_LEFT_DB / 10.0))
        for length in range(FIT_SUPPORT_MIN_TAPS, FIT_SUPPORT_TAPS, FIT_SUPPORT_MIN_TAPS // 2):
            if length >= taps.size:
                break
            spans = energy[length:] - energy[:-length]
            if spans.max() >= wanted:
                return int(np.argmax(spans)), length
        length = min(FIT_SUPPORT_TAPS, taps.size)
        spans = energy[length:] - energy[: energy.size - length]
        return int(np.argmax(spans)), length
