"""The copper between the exchange and the DAA: hybrid echo and line noise.

A two-to-four-wire hybrid never matches the line exactly, so part of what the DAA sends
comes straight back in what it receives. The model is a bulk delay followed by a
dispersive response: the band-pass shape of line transformers and the feed bridge
(a 2nd-order high-pass at 250 Hz and a slightly resonant 2nd-order low-pass at 3.3 kHz) plus a
weaker, later reflection from an impedance step further down the cable. The response is
scaled so its mean power gain over 300–3400 Hz equals the configured echo return loss.
Noise is white Gaussian at a fixed level while the line has battery.
"""

from __future__ import annotations

import numpy as np

from drivers.frames import SAMPLE_RATE_HZ
from drivers.sim.biquad import biquad
from drivers.sim.world.levels import DBM0_MEAN_SQUARE
from drivers.sim.world.timeline import ClipMixer

RESPONSE_TAPS = 128  # 16 ms of dispersion after the bulk delay
REFLECTION_DELAY_MS = 1.5
REFLECTION_GAIN = -0.2
VOICE_BAND_HZ = (300.0, 3400.0)


def _filtered(signal: np.ndarray, b: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Direct-form filtering; only used once, on a 128-sample impulse."""
    out = np.zeros(len(signal))
    for n in range(len(signal)):
        acc = sum(b[k] * signal[n - k] for k in range(3) if n - k >= 0)
        acc -= sum(a[k] * out[n - k] for k in (1, 2) if n - k >= 0)
        out[n] = acc
    return out


def hybrid_response(return_loss_db: float) -> np.ndarray:
    """Echo impulse response (without the bulk delay) with the given echo return loss."""
    impulse = np.zeros(RESPONSE_TAPS)
    impulse[0] = 1.0
    reflection = round(REFLECTION_DELAY_MS * SAMPLE_RATE_HZ / 1000)
    impulse[reflection] = REFLECTION_GAIN
    response = _filtered(impulse, *biquad("highpass", 250, 0.707))
    response = _filtered(response, *biquad("lowpass", 3300, 0.9))
    return response * 10 ** (-return_loss_db / 20) / np.sqrt(voice_band_gain(response))


def voice_band_gain(response: np.ndarray) -> float:
    """Mean power gain of an impulse response over 300–3400 Hz."""
    gain = np.fft.rfft(response, 4096)
    frequencies = np.fft.rfftfreq(4096, 1 / SAMPLE_RATE_HZ)
    band = (frequencies >= VOICE_BAND_HZ[0]) & (frequencies <= VOICE_BAND_HZ[1])
    return float(np.mean(np.abs(gain[band]) ** 2))


class HybridEcho:
    """Echo of what is sent, waiting to be added to what is received.

    `send(start, samples)` takes a block played from absolute index `start`; `take(start,
    count)` returns the echo that arrives in [start, start + count).
    """

    def __init__(
        self, return_loss_db: float, delay_ms: float, response: np.ndarray | None = None
    ) -> None:
        if delay_ms < 0:
            raise ValueError("echo delay cannot be negative")
        self.return_loss_db = return_loss_db
        self.delay_samples = round(delay_ms * SAMPLE_RATE_HZ / 1000)
        # `response`: another hybrid's impulse response (e.g. a G.168 Annex D path).
        self.response = hybrid_response(return_loss_db) if response is None else response
        self._taps = len(self.response)
        self._history = np.zeros(self._taps - 1)
        self._history_end: int | None = None
        self._pending = ClipMixer()

    def send(self, start: int, samples: np.ndarray) -> None:
        if self._history_end != start:
            self._history = np.zeros(self._taps - 1)  # a gap: nothing was sent meanwhile
        values = np.asarray(samples, dtype=np.float64)
        self._history_end = start + len(values)
        if not values.any() and not self._history.any():
            return
        extended = np.concatenate((self._history, values))
        self._history = extended[-(self._taps - 1) :]
        echo = np.convolve(extended, self.response, mode="valid")
        self._pending.add(start + self.delay_samples, echo)

    def take(self, start: int, count: int) -> np.ndarray:
        out = np.zeros(count)
        self._pending.mix_into(out, start)
        return out


class LineNoise:
    """White Gaussian noise at a fixed level (reproducible: seeded)."""

    def __init__(self, level_dbm0: float, seed: int = 1) -> None:
        self.level_dbm0 = level_dbm0
        self._rms = float(np.sqrt(DBM0_MEAN_SQUARE * 10 ** (level_dbm0 / 10)))
        self._random = np.random.default_rng(seed)

    def render(self, count: int) -> np.ndarray:
        return self._random.standard_normal(count) * self._rms
