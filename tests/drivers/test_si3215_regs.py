"""Si3215 register arithmetic checked against published register values and unit scales."""

from __future__ import annotations

import math

import pytest

from drivers import si3215_regs as r


def decode_amplitude_vpk(oscillator: int, amplitude: int) -> float:
    """Independent inverse of the 1 kHz resonator: peak volts of an (RCO, RNGX) pair."""
    c = oscillator / 32768
    return amplitude / (0.25 * math.sqrt((1 - c) / (1 + c)) * 32768) * 96


def test_25_hz_ring_coefficient_matches_the_published_value():
    oscillator, _amplitude = r.ring_oscillator_coefficients(25, 65)
    assert oscillator == 0x7E6D


@pytest.mark.parametrize(
    ("oscillator", "amplitude", "label_vpk", "tolerance"),
    [
        (0x7EF0, 0x0160, 65.0, 0.03),  # default 20 Hz ringing
        (0x7E6D, 0x01B9, 65.0, 0.03),  # 25 Hz
        (0x7EF0, 0x01D1, 89.0, 0.06),  # boosted ("89 V")
        (0x7E6D, 0x0247, 89.0, 0.03),
        (0x7EF0, 0x0108, 50.0, 0.05),  # low power ("50 V")
        (0x7E6D, 0x014B, 50.0, 0.03),
    ],
)
def test_published_ring_words_decode_to_their_labelled_voltages(
    oscillator, amplitude, label_vpk, tolerance
):
    assert decode_amplitude_vpk(oscillator, amplitude) == pytest.approx(label_vpk, rel=tolerance)


@pytest.mark.parametrize("frequency_hz", [16.0, 20.0, 25.0, 50.0])
@pytest.mark.parametrize("amplitude_vpk", [50.0, 75.0, 85.0])
def test_ring_coefficients_round_trip_to_frequency_and_amplitude(frequency_hz, amplitude_vpk):
    oscillator, amplitude = r.ring_oscillator_coefficients(frequency_hz, amplitude_vpk)
    frequency = math.acos(oscillator / 32768) * 1000 / (2 * math.pi)
    assert frequency == pytest.approx(frequency_hz, abs=0.03)
    assert decode_amplitude_vpk(oscillator, amplitude) == pytest.approx(amplitude_vpk, rel=0.01)


def test_published_20_hz_word_is_half_a_hertz_high_and_ours_is_not():
    published_hz = math.acos(0x7EF0 / 32768) * 1000 / (2 * math.pi)
    assert published_hz == pytest.approx(20.5, abs=0.05)
    assert r.ring_oscillator_coefficients(20, 75)[0] == 0x7EFE


def test_neon_trapezoid_is_close_to_the_published_neon_words():
    neon = r.neon_ring_generator()
    assert neon.phase == 0x03E8  # 250 ms period
    assert neon.amplitude * 96 / 32768 == pytest.approx(91.5, abs=0.1)
    assert neon.oscillator == pytest.approx(0x009F, rel=0.05)
    assert neon.battery_high == 0x3F  # 94.5 V
    assert neon.ring_trip_threshold == 0x4600


def test_battery_is_raised_to_carry_the_ring_peak():
    assert r.sine_ring_generator(20, 75).battery_high * 1.5 >= 85
    assert r.sine_ring_generator(20, 89).battery_high == 0x3F


def test_loop_current_limit_codes_and_range():
    assert [r.loop_current_limit_code(ma) for ma in (20, 23, 41)] == [0, 1, 7]
    with pytest.raises(ValueError, match="20-41 mA"):
        r.loop_current_limit_code(45)


def test_si3215_indirect_addresses_are_remapped_and_dtmf_is_absent():
    assert r.chip_indirect_address(20, si3215=True) == 7
    assert r.chip_indirect_address(43, si3215=True) == 66
    assert r.chip_indirect_address(5, si3215=True) is None
    assert r.chip_indirect_address(5, si3215=False) == 5


def test_linefeed_polarity_flips_only_active_and_on_hook_transmission():
    lf = r.LinefeedState
    assert lf.FORWARD_ACTIVE.with_polarity(True) is lf.REVERSE_ACTIVE
    assert lf.REVERSE_ON_HOOK_TRANSMISSION.with_polarity(False) is lf.FORWARD_ON_HOOK_TRANSMISSION
    assert lf.RINGING.with_polarity(True) is lf.RINGING
