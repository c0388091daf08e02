"""The image-modem receiver core shared by V.29 and V.27ter.

The line is mixed down to complex baseband at the carrier, low-pass filtered and
re-sampled at two samples per symbol. Once a carrier has lasted long enough to hold the
training sequence, the known training symbols are located by correlation and a T/2
fractionally spaced equaliser is solved for them in one least-squares step; it absorbs
gain, carrier phase and the line's distortion. Data symbols then go through the equaliser,
which keeps adapting to its own decisions (LMS), and a modem-specific decoder turns them
into bits.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import signal

from voice.level import SAMPLE_RATE_HZ, dbm0_to_power

CARRIER_ON_DBM0 = -43.0
CARRIER_OFF_DBM0 = -48.0
POWER_SMOOTHING_SAMPLES = 40
LOWPASS_TAPS = 41
INTERPOLATION_HALF_WIDTH = 8
EQUALISER_HALF_SPAN = 15  # taps either side of the centre, at T/2
RELATIVE_ON = 10 ** (-9 / 10)  # carrier on 9 dB below the sender's V.21 level
RELATIVE_OFF = 10 ** (-12 / 10)
TRACKING_STEP = 0.02  # normalised LMS step while decoding data
PRIOR_WEIGHT = 0.1  # pull of an earlier burst's equaliser on a short-training fit


Decider = Callable[[complex], tuple[complex, object]]


class PskReceiverCore:
    """Carrier detection, baseband conversion, training and equalised symbols."""

    def __init__(
        self,
        carrier_hz: float,
        baud: float,
        training: np.ndarray,
        search_symbols: tuple[int, int],
        max_training_error: float,
        reference_power: float = 0.0,
        prior_taps: np.ndarray | None = None,
    ) -> None:
        """`training` are the known symbols to fit; `search_symbols` bounds where they may
        start, counted in symbols from the carrier's detected onset. `prior_taps`, an
        equaliser of an earlier burst from the same sender, steadies a fit to a short
        training sequence."""
        self.prior_taps = prior_taps
        self.carrier_hz = carrier_hz
        self.baud = baud
        self.training = training
        self.search_symbols = search_symbols
        self.max_training_error = max_training_error
        self._lowpass = signal.firwin(LOWPASS_TAPS, baud * 0.75, fs=SAMPLE_RATE_HZ)
        # On a noisy line the absolute thresholds sit in the noise: judge the carrier against
        # the level the same sender's control signals arrived at.
        self._on_power = max(dbm0_to_power(CARRIER_ON_DBM0), reference_power * RELATIVE_ON)
        self._off_power = max(dbm0_to_power(CARRIER_OFF_DBM0), reference_power * RELATIVE_OFF)
        self._step = SAMPLE_RATE_HZ / (2.0 * baud)  # input samples per T/2 output sample
        self.reset()

    def reset(self) -> None:
        self._n = 0
        self._lowpass_state = np.zeros(LOWPASS_TAPS - 1, dtype=np.complex128)
        self._power = 0.0
        self.carrier = False
        self.carrier_ended = False
        self.trained = False
        self.training_failed = False
        self.training_error = float("nan")
        self._baseband = np.zeros(0, dtype=np.complex128)
        self._baseband_origin = 0  # absolute index of _baseband[0]
        self._half = np.zeros(0, dtype=np.complex128)
        self._next_half = 0  # index of the next T/2 output sample to interpolate
        self._next_symbol = 0  # index (in T/2 samples) of the next symbol centre
        self._taps = np.zeros(2 * EQUALISER_HALF_SPAN + 1, dtype=np.complex128)

    @property
    def taps(self) -> np.ndarray:
        return self._taps.copy()

    def process(self, samples: np.ndarray, decide: Decider) -> list[object]:
        """Feed audio; every data symbol completed is equalised and passed to `decide`, which
        returns (ideal point, result); the equaliser adapts toward the point. Returns the
        results in order."""
        x = np.asarray(samples, dtype=np.float64)
        if x.size == 0 or self.carrier_ended:
            return []
        n = self._n + np.arange(x.size)
        self._n += x.size
        mixed = x * np.exp(-2j * np.pi * self.carrier_hz * n / SAMPLE_RATE_HZ)
        baseband, self._lowpass_state = signal.lfilter(
            self._lowpass, 1.0, mixed, zi=self._lowpass_state
        )
        self._track_carrier(x, baseband)
        if not self.carrier:
            return []
        self._interpolate()
        if not self.trained and (self.training_failed or not self._try_training()):
            return []
        return self._equalise(decide)

    def _track_carrier(self, x: np.ndarray, baseband: np.ndarray) -> None:
        power = float(np.mean(x * x))
        alpha = min(1.0, x.size / POWER_SMOOTHING_SAMPLES)
        self._power += alpha * (power - self._power)
        if not self.carrier:
            if self._power > self._on_power:
                self.carrier = True
                self._baseband = np.asarray(baseband * 2.0, dtype=np.complex128)
                self._baseband_origin = 0
            return
        if self._power < self._off_power:
            self.carrier = False
            self.carrier_ended = True
            return
        self._baseband = np.concatenate((self._baseband, baseband * 2.0))

    def _interpolate(self) -> None:
        """Two samples per symbol from the 8 kHz baseband (windowed-sinc interpolation)."""
        end = self._baseband_origin + self._baseband.size - INTERPOLATION_HALF_WIDTH - 1
        last_m = int((end - INTERPOLATION_HALF_WIDTH) / self._step)
        count = last_m - self._next_half
        if count <= 0:
            return
        m = self._next_half + np.arange(count)
        position = INTERPOLATION_HALF_WIDTH + m * self._step
        base = np.floor(position).astype(np.int64)
        frac = position - base
        offsets = np.arange(-INTERPOLATION_HALF_WIDTH + 1, INTERPOLATION_HALF_WIDTH + 1)
        distance = offsets[None, :] - frac[:, None]
        kernel = np.sinc(distance) * np.cos(np.pi * distance / (2 * INTERPOLATION_HALF_WIDTH))
        index = base[:, None] + offsets[None, :] - self._baseband_origin
        values = np.sum(self._baseband[index] * kernel, axis=1)
        self._half = np.concatenate((self._half, values))
        self._next_half += count
        # Keep only the baseband that later interpolation still reaches.
        keep_from = (
            int(INTERPOLATION_HALF_WIDTH + self._next_half * self._step)
            - 2 * INTERPOLATION_HALF_WIDTH
        )
        drop = keep_from - self._baseband_origin
        if drop > 0 and self.trained:
            self._baseband = self._baseband[drop:]
            self._baseband_origin += drop

    def _try_training(self) -> bool:
        first, last = self.search_symbols
        length = self.training.size
        needed = 2 * (last + length) + 2 * EQUALISER_HALF_SPAN + 2
        if self._half.size < needed:
            return False
        reference = self.training - self.training.mean()
        best_offset, best_score = 0, -1.0
        for offset in range(max(2 * first, EQUALISER_HALF_SPAN), 2 * last):
            window = self._half[offset : offset + 2 * length : 2]
            score = abs(np.vdot(reference, window)) / (np.linalg.norm(window) + 1e-12)
            if score > best_score:
                best_offset, best_score = offset, score
        margin = 8
        span = EQUALISER_HALF_SPAN
        rows = np.array(
            [
                self._half[best_offset + 2 * k - span : best_offset + 2 * k + span + 1]
                for k in range(margin, length - margin)
            ]
        )
        wanted = self.training[margin : length - margin]
        fit_rows, fit_wanted = rows, wanted
        if self.prior_taps is not None:
            # Pull toward the earlier equaliser, turned and scaled to this burst's phase.
            earlier = rows @ self.prior_taps
            gain = np.vdot(earlier, wanted) / (np.vdot(earlier, earlier) + 1e-12)
            weight = PRIOR_WEIGHT * np.sqrt(np.mean(np.abs(rows) ** 2) * len(rows))
            fit_rows = np.vstack((rows, weight * np.eye(rows.shape[1])))
            fit_wanted = np.concatenate((wanted, weight * gain * self.prior_taps))
        taps, *_ = np.linalg.lstsq(fit_rows, fit_wanted, rcond=None)
        error = float(np.mean(np.abs(rows @ taps - wanted) ** 2))
        self.training_error = error
        if not error < self.max_training_error:
            self.training_failed = True
            return False
        self._taps = taps
        self.trained = True
        self._next_symbol = best_offset + 2 * length
        return True

    def _equalise(self, decide: Decider) -> list[object]:
        results = []
        half = self._half
        taps = self._taps
        span = EQUALISER_HALF_SPAN
        stop = half.size - span
        centre = self._next_symbol
        while centre < stop:
            window = half[centre - span : centre + span + 1]
            value = complex(window @ taps)
            point, result = decide(value)
            error = point - value
            taps += (TRACKING_STEP * error / (np.vdot(window, window).real + 1e-9)) * window.conj()
            results.append(result)
            centre += 2
        # Drop the T/2 samples no later symbol needs.
        keep_from = max(0, centre - span - 2)
        self._half = half[keep_from:]
        self._next_symbol = centre - keep_from
        return results
