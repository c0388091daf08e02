"""The tone bank's reference power: the band's share of each windowed frame's spectrum."""

from __future__ import annotations

import numpy as np
import pytest

from tests.voice.signals import RATE, sine
from voice.tones.bank import ToneBank

WINDOW = 200
TICK = 20


def _spectrum_band_power(signal: np.ndarray, ticks: int, band: tuple[float, float]) -> np.ndarray:
    """Reference power worked out here from the definition: the one-sided power of each
    Hann-windowed 25 ms frame, zero-padded to 256 points, summed over the band's bins and
    scaled so that a sine of amplitude A gives A²/2. Tick t's window ends at sample
    (t + 1)·TICK − 1 of `signal` with WINDOW − 1 samples of silence put before it."""
    window = np.hanning(WINDOW + 2)[1:-1]
    window /= window.sum()
    padded = np.concatenate((np.zeros(WINDOW - 1), signal))
    frames = np.array([padded[(t + 1) * TICK - 1 :][:WINDOW] for t in range(ticks)])
    spectrum = np.fft.rfft(frames * window, n=256, axis=1)
    bins = np.fft.rfftfreq(256, 1 / RATE)
    inside = (bins >= band[0]) & (bins <= band[1])
    return (np.abs(spectrum[:, inside]) ** 2).sum(axis=1) * 2 / (256 * np.sum(window**2))


@pytest.mark.parametrize(
    "band", [(600.0, 3600.0), (200.0, 3600.0), (300.0, 3400.0), (0.0, 1000.0), (0.0, 4000.0)]
)
def test_reference_power_is_the_band_share_of_the_windowed_spectrum(
    band: tuple[float, float],
) -> None:
    rng = np.random.default_rng(7)
    # Loud dial tone below most bands, a DTMF-like pair and noise.
    signal = (
        sine(425, -3, 4000)
        + sine(941, -12, 4000)
        + sine(1477, -10, 4000)
        + rng.normal(0, 300, 4000)
    )
    ticks = ToneBank((941, 1477), WINDOW, TICK, reference_band_hz=band).process(signal)
    expected = _spectrum_band_power(signal, ticks.count, band)
    assert ticks.power == pytest.approx(expected, rel=1e-9)


def test_a_sine_inside_the_band_gives_half_its_squared_amplitude_and_one_outside_nothing() -> None:
    bank = ToneBank((1000,), WINDOW, TICK, reference_band_hz=(600.0, 3600.0))
    inside = bank.process(sine(1000, -10, 2000)).power[-20:]
    amplitude = np.abs(sine(1000, -10, 2000)).max()
    assert inside == pytest.approx(amplitude**2 / 2, rel=0.01)
    outside = bank.process(sine(350, -10, 2000)).power[-20:]
    assert outside.max() < 1e-3 * amplitude**2 / 2


def test_power_within_gives_the_same_values_where_asked_and_nothing_elsewhere() -> None:
    rng = np.random.default_rng(3)
    signal = sine(697, -15, 1600) + rng.normal(0, 200, 1600)
    whole = ToneBank((697,), WINDOW, TICK, reference_band_hz=(600.0, 3600.0)).process(signal)
    part = ToneBank((697,), WINDOW, TICK, reference_band_hz=(600.0, 3600.0)).process(signal)
    some = part.power_within(10, 30)
    assert some[10:30] == pytest.approx(whole.power[10:30], rel=1e-12)
    assert np.isnan(some[:10]).all() and np.isnan(some[30:]).all()


@pytest.mark.parametrize("offsets", [7, 2000])
def test_gain_is_the_windows_response_at_the_offset_and_zero_beyond_the_table(offsets: int) -> None:
    bank = ToneBank((1000,), WINDOW, TICK)
    distance = np.linspace(0.0, 520.0, offsets)
    window = np.hanning(WINDOW + 2)[1:-1]
    window /= window.sum()
    steering = np.exp(-2j * np.pi * np.outer(distance, np.arange(WINDOW)) / RATE)
    response = np.abs(steering @ window)
    gain = bank.gain_at_distance(distance)
    inside = distance <= 499.75
    # Read linearly between points 0.25 Hz apart: closest to the truth but at the nulls.
    assert gain[inside] == pytest.approx(response[inside], abs=1e-3)
    assert (gain[~inside] == 0.0).all()
    assert bank.gain(-distance) == pytest.approx(gain, abs=0.0)


def test_a_bank_resumed_from_anothers_tail_gives_the_ticks_the_other_would_have() -> None:
    rng = np.random.default_rng(3)
    signal = sine(1209, -10, 4000) + rng.normal(0.0, 30.0, 4000)
    whole = ToneBank([697.0, 1209.0], WINDOW, TICK)
    expected = whole.process(signal)
    first = ToneBank([697.0, 1209.0], WINDOW, TICK)
    head = first.process(signal[:1460])
    second = ToneBank([697.0, 1209.0], WINDOW, TICK)
    second.resume(first.tail, first.position)
    tail = second.process(signal[1460:])
    assert head.first == 0 and tail.first == head.count == 73
    np.testing.assert_allclose(np.hstack((head.z, tail.z)), expected.z, rtol=1e-12, atol=1e-9)
    with pytest.raises(ValueError, match=f"last {WINDOW - 1} samples"):
        second.resume(first.tail[1:], first.position)
