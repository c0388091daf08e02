"""Signal levels in dBm0 on the system's int16 scale, a running level meter, a silence detector.

The one level convention of the system lives here: G.711 full scale is +3.14 dBm0, so a sine
of peak amplitude 32768·10^(−3.14/20) ≈ 22 826 is 0 dBm0. Every other module converts levels
through these functions.
"""

from __future__ import annotations

import itertools
import logging
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.signal import lfilter

log = logging.getLogger(__name__)

SAMPLE_RATE_HZ = 8000
FULL_SCALE_DBM0 = 3.14
FULL_SCALE_AMPLITUDE = 32768
DBM0_SINE_PEAK = FULL_SCALE_AMPLITUDE * 10 ** (-FULL_SCALE_DBM0 / 20)  # ≈ 22 826
DBM0_MEAN_SQUARE = DBM0_SINE_PEAK**2 / 2  # mean square of any 0 dBm0 signal
LEVEL_FLOOR_DBM0 = -100.0  # reported for digital silence instead of −inf


def dbm0_to_amplitude(dbm0: float) -> float:
    """Peak amplitude (int16 scale) of a sine at `dbm0`."""
    return float(DBM0_SINE_PEAK * 10 ** (dbm0 / 20))


def amplitude_to_dbm0(peak: float) -> float:
    """Level in dBm0 of a sine whose peak amplitude is `peak` (int16 scale)."""
    if peak <= 0:
        return LEVEL_FLOOR_DBM0
    return max(LEVEL_FLOOR_DBM0, 20 * math.log10(peak / DBM0_SINE_PEAK))


def dbm0_to_power(dbm0: float) -> float:
    """Mean square (int16 scale) of a signal at `dbm0`."""
    return float(DBM0_MEAN_SQUARE * 10 ** (dbm0 / 10))


def power_to_dbm0(mean_square: ArrayLike) -> NDArray[np.float64]:
    """Level in dBm0 of mean-square values (vectorised); digital silence is LEVEL_FLOOR_DBM0."""
    power = np.asarray(mean_square, dtype=np.float64)
    floor = DBM0_MEAN_SQUARE * 10 ** (LEVEL_FLOOR_DBM0 / 10)
    return np.asarray(10 * np.log10(np.maximum(power, floor) / DBM0_MEAN_SQUARE))


def level_dbm0(samples: ArrayLike) -> float:
    """RMS level of a whole block in dBm0."""
    x = np.asarray(samples, dtype=np.float64)
    if x.size == 0:
        return LEVEL_FLOOR_DBM0
    return float(power_to_dbm0(np.mean(x * x)))


def _smoothing_coefficient(time_constant_ms: float, sample_rate: int) -> float:
    if time_constant_ms <= 0:
        raise ValueError(f"time constant must be positive, got {time_constant_ms} ms")
    return float(1.0 - np.exp(-1000.0 / (time_constant_ms * sample_rate)))


class LevelMeter:
    """Running level: mean square smoothed with a time constant, read in dBm0.

    Feed blocks of any length; the reading after a block does not depend on how the signal
    was split into blocks.
    """

    def __init__(self, time_constant_ms: float = 100.0, sample_rate: int = SAMPLE_RATE_HZ) -> None:
        self._alpha = _smoothing_coefficient(time_constant_ms, sample_rate)
        self._state = np.zeros(1)

    def feed(self, samples: ArrayLike) -> float:
        """Take a block and return the level in dBm0 at its last sample."""
        x = np.asarray(samples, dtype=np.float64)
        if x.size:
            _, self._state = lfilter([self._alpha], [1.0, self._alpha - 1.0], x * x, zi=self._state)
        return self.level_dbm0

    @property
    def level_dbm0(self) -> float:
        # The filter's single state word holds (1 − α) times its last output.
        return float(power_to_dbm0(self._state[0] / (1.0 - self._alpha)))

    def reset(self) -> None:
        self._state = np.zeros(1)


@dataclass(frozen=True)
class SilenceEvent:
    """The signal became silent (`silent=True`) or active at `sample`.

    `sample` counts from the detector's first sample and marks where the quiet or loud stretch
    began (a quiet stretch begins once the envelope has decayed below the threshold, a few
    envelope time constants after the sound stopped); `detected_sample` is when the detector
    could say so (after the hangover for silence).
    """

    silent: bool
    sample: int
    detected_sample: int


class SilenceDetector:
    """Silence/activity decision with hysteresis and a hangover.

    The envelope is the mean square smoothed over `envelope_ms`. The signal is active as soon
    as the envelope reaches `threshold_dbm0`, and becomes silent once the envelope has stayed
    below `threshold_dbm0 − hysteresis_db` for `hangover_ms`, so short gaps between words do
    not count as silence. The detector starts silent.
    """

    def __init__(
        self,
        threshold_dbm0: float = -45.0,
        hangover_ms: float = 300.0,
        hysteresis_db: float = 3.0,
        envelope_ms: float = 10.0,
        sample_rate: int = SAMPLE_RATE_HZ,
    ) -> None:
        if hangover_ms < 0 or hysteresis_db < 0:
            raise ValueError("hangover_ms and hysteresis_db must not be negative")
        self._alpha = _smoothing_coefficient(envelope_ms, sample_rate)
        self._on_power = dbm0_to_power(threshold_dbm0)
        self._off_power = dbm0_to_power(threshold_dbm0 - hysteresis_db)
        self._hangover = round(hangover_ms * sample_rate / 1000)
        self._state = np.zeros(1)
        self._position = 0
        self._silent = True
        self._quiet_since: int | None = 0  # start of the current quiet stretch, if any
        self._loud = False  # last decisive comparison (hysteresis memory)

    @property
    def silent(self) -> bool:
        return self._silent

    @property
    def position(self) -> int:
        """Number of samples fed so far."""
        return self._position

    def feed(self, samples: ArrayLike) -> list[SilenceEvent]:
        """Take a block of any length; return the state changes it completed."""
        x = np.asarray(samples, dtype=np.float64)
        n = x.size
        if n == 0:
            return []
        envelope, self._state = lfilter(
            [self._alpha], [1.0, self._alpha - 1.0], x * x, zi=self._state
        )
        # Hysteresis: samples between the two thresholds keep the previous decision.
        decisive = np.where(
            envelope >= self._on_power, 1, np.where(envelope < self._off_power, 0, -1)
        )
        index = np.where(decisive >= 0, np.arange(n), -1)
        last = np.maximum.accumulate(index)
        loud = np.where(last >= 0, decisive[np.maximum(last, 0)] == 1, self._loud)
        events = self._runs_to_events(loud)
        self._loud = bool(loud[-1])
        self._position += n
        return events

    def _runs_to_events(self, loud: NDArray[np.bool_]) -> list[SilenceEvent]:
        events: list[SilenceEvent] = []
        start = self._position
        change = np.flatnonzero(np.diff(loud.astype(np.int8))) + 1
        bounds = np.concatenate(([0], change, [loud.size]))
        for begin, end in itertools.pairwise(bounds):
            if loud[begin]:
                self._quiet_since = None
                if self._silent:
                    self._silent = False
                    events.append(SilenceEvent(False, start + int(begin), start + int(begin)))
                continue
            if self._quiet_since is None:
                self._quiet_since = start + int(begin)
            silent_at = self._quiet_since + self._hangover
            if not self._silent and silent_at < start + int(end):
                self._silent = True
                events.append(SilenceEvent(True, self._quiet_since, silent_at))
        return events

    def reset(self) -> None:
        self._state = np.zeros(1)
        self._position = 0
        self._silent = True
        self._quiet_since = 0
        self._loud = False
