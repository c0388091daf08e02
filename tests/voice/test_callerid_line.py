"""The line model the caller-ID tests send audio through, and checks that it does what it says.

`impair()` sets the level of the active signal, shifts every frequency by a fixed offset
(single-sideband, as a carrier system with a mistuned oscillator does), adds white Gaussian
noise at a signal-to-noise ratio and optionally passes the result through a G.711 codec
(the emulated chip's, an implementation separate from `voice.g711`).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import hilbert

from drivers.sim.codec import ChipCodec

FS = 8000
DBM0_POWER = (32768 * 10 ** (-3.14 / 20)) ** 2 / 2  # mean square of a 0 dBm0 sine


def level_dbm0(audio: np.ndarray) -> float:
    x = np.asarray(audio, dtype=float)
    return float(10 * np.log10(np.mean(x * x) / DBM0_POWER))


def impair(
    audio: np.ndarray,
    *,
    level: float,
    snr_db: float,
    offset_hz: float = 0.0,
    rng: np.random.Generator,
    law: str | None = None,
    lead_ms: float = 100.0,
) -> np.ndarray:
    """`audio` with silence before and after, as it arrives over a noisy, mistuned line."""
    lead = np.zeros(round(lead_ms * FS / 1000))
    x = np.concatenate((lead, np.asarray(audio, dtype=float), lead))
    active = np.abs(x) > 0
    x *= np.sqrt(DBM0_POWER * 10 ** (level / 10) / np.mean(x[active] ** 2))
    if offset_hz:
        t = np.arange(x.size) / FS
        x = np.real(hilbert(x) * np.exp(2j * np.pi * offset_hz * t))
    signal_power = np.mean(x[active] ** 2)
    x = x + rng.standard_normal(x.size) * np.sqrt(signal_power / 10 ** (snr_db / 10))
    pcm = np.clip(np.round(x), -32768, 32767).astype(np.int16)
    if law is not None:
        codec = ChipCodec(law)
        pcm = codec.decode(codec.encode(pcm))
    return pcm


def dominant_frequency(audio: np.ndarray) -> float:
    n = 1 << 16
    spectrum = np.abs(np.fft.rfft(audio * np.hanning(audio.size), n))
    k = int(np.argmax(spectrum))
    a, b, c = np.log(spectrum[k - 1 : k + 2])
    return (k + 0.5 * (a - c) / (a - 2 * b + c)) * FS / n


def tone(hz: float, seconds: float) -> np.ndarray:
    return np.sin(2 * np.pi * hz * np.arange(round(seconds * FS)) / FS) * 10000


def test_line_model_sets_the_level_of_the_signal() -> None:
    line = impair(tone(1000, 0.5), level=-35, snr_db=60, rng=np.random.default_rng(1))
    assert level_dbm0(line[800:-800]) == pytest.approx(-35, abs=0.1)


def test_line_model_adds_noise_at_the_requested_snr() -> None:
    line = impair(tone(1000, 0.5), level=-5, snr_db=20, rng=np.random.default_rng(2))
    assert level_dbm0(line[:800]) == pytest.approx(-25, abs=0.5)


@pytest.mark.parametrize("offset", [-10.0, 10.0])
def test_line_model_shifts_every_frequency(offset: float) -> None:
    line = impair(
        tone(1300, 0.5), level=-10, snr_db=60, offset_hz=offset, rng=np.random.default_rng(3)
    )
    assert dominant_frequency(line[900:-900].astype(float)) == pytest.approx(1300 + offset, abs=0.5)


def test_line_model_can_pass_through_g711() -> None:
    clean = impair(tone(1000, 0.5), level=-20, snr_db=80, rng=np.random.default_rng(4))
    coded = impair(tone(1000, 0.5), level=-20, snr_db=80, rng=np.random.default_rng(4), law="alaw")
    error = coded.astype(float) - clean
    # A-law keeps a sine's signal-to-quantisation ratio near 38 dB at this level.
    assert level_dbm0(clean[800:-800]) - level_dbm0(error[800:-800]) > 30
