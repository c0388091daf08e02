"""Echo on an outgoing call: the line's hybrid returns 101's voice 12 dB down; once the
echo canceller has converged 101 must hear it at least 30 dB below the far end's voice."""

from __future__ import annotations

import numpy as np
import pytest

from firmware.simulator import SimulatedAppliance
from tests.firmware.engine.test_inbound import config, run_until
from tests.firmware.engine.test_outbound import NUMBER, dial_out

RATE = 8000
ZERO_DBM0_RMS = 32768 * 10 ** (-3.14 / 20) / np.sqrt(2)
TALKER_BAND_HZ = (300.0, 1400.0)  # where 101's speech-like signal lives
FAR_END_HZ = 2400.0  # the far end talks above it
MIN_ECHO_MARGIN_DB = 30.0


def speech_like(seconds: float, level_dbm0: float, seed: int = 7) -> np.ndarray:
    """Band-limited noise in syllables of about 200 ms, at `level_dbm0` while voiced."""
    count = round(seconds * RATE)
    rng = np.random.default_rng(seed)
    spectrum = np.fft.rfft(rng.normal(size=count))
    frequencies = np.fft.rfftfreq(count, 1 / RATE)
    spectrum[(frequencies < TALKER_BAND_HZ[0]) | (frequencies > TALKER_BAND_HZ[1])] = 0
    noise = np.fft.irfft(spectrum, count)
    t = np.arange(count) / RATE
    syllables = 0.5 + 0.5 * np.cos(2 * np.pi * 2.5 * t)  # 2.5 syllables a second
    signal = noise * syllables
    signal *= ZERO_DBM0_RMS * 10 ** (level_dbm0 / 20) / np.sqrt(np.mean(signal**2))
    return np.round(signal).astype(np.int16)


def band_dbm0(samples: np.ndarray, low_hz: float, high_hz: float) -> float:
    """Power of `samples` between `low_hz` and `high_hz`, in dBm0 (Parseval on the FFT)."""
    x = np.asarray(samples, dtype=float)
    spectrum = np.fft.rfft(x)
    frequencies = np.fft.rfftfreq(x.size, 1 / RATE)
    inside = (frequencies >= low_hz) & (frequencies <= high_hz)
    power = 2 * np.sum(np.abs(spectrum[inside]) ** 2) / x.size**2
    return 10 * np.log10(max(power, 1e-20) / ZERO_DBM0_RMS**2)


@pytest.mark.parametrize("country", ["US", "RU"])
@pytest.mark.parametrize("talk", ["speech_like", "tone"])
def test_own_echo_is_30_db_below_the_far_end_once_the_canceller_has_converged(country, talk):
    with SimulatedAppliance(config(country)) as pbx:
        line = pbx.line(0)
        line.virtual.answer_after_s = 1e9
        phone = dial_out(pbx)
        run_until(pbx, lambda: line.digits_received() == NUMBER, 6)
        line.answer()
        pbx.run_for(0.5)
        if talk == "tone":
            phone.say(1000, -10)
        else:
            phone.say(speech_like(10, -10))
        pbx.run_for(2)  # 101 talks alone: the canceller learns the line's echo
        line.say(FAR_END_HZ, -10)  # then both talk
        pbx.run_for(2)
        heard = phone.virtual.earpiece(1.0)
        line_hears = line.virtual.hears(1.0)
    far = band_dbm0(heard, FAR_END_HZ - 20, FAR_END_HZ + 20)
    echo = band_dbm0(heard, *TALKER_BAND_HZ)
    assert far == pytest.approx(-10, abs=1)
    assert far - echo >= MIN_ECHO_MARGIN_DB, f"echo only {far - echo:.1f} dB below the far end"
    assert line_hears.level_dbm0 == pytest.approx(-10, abs=1.5)  # 101 still reaches the far end
