"""Bell 202 / V.23 FSK modulator, demodulator and asynchronous framing."""

from __future__ import annotations

import numpy as np
import pytest

from voice.fsk import BELL202, V23, FskDemodulator, FskModulator, FskSpec
from voice.fsk_framing import AsyncChar, AsyncFramer, CarrierDrop

DBM0_SINE_POWER = (32768 * 10 ** (-3.14 / 20)) ** 2 / 2  # mean square of a 0 dBm0 sine

FS = 8000


def dominant_frequency(audio: np.ndarray) -> float:
    """Peak of a zero-padded, Hann-windowed spectrum, refined by parabolic interpolation."""
    n = 1 << 16
    spectrum = np.abs(np.fft.rfft(audio * np.hanning(audio.size), n))
    k = int(np.argmax(spectrum))
    a, b, c = np.log(spectrum[k - 1 : k + 2])
    return (k + 0.5 * (a - c) / (a - 2 * b + c)) * FS / n


def async_bits(octets: bytes, idle_bits: int = 20) -> np.ndarray:
    """Start bit, 8 data bits LSB first, stop bit per octet, after some idle mark."""
    bits = [1] * idle_bits
    for octet in octets:
        bits += [0] + [(octet >> i) & 1 for i in range(8)] + [1]
    return np.array(bits + [1] * 10)


@pytest.mark.parametrize("spec", [BELL202, V23], ids=["bell202", "v23"])
def test_modulator_sends_mark_and_space_at_the_standard_frequencies(spec: FskSpec) -> None:
    modulator = FskModulator(spec)
    mark = modulator.modulate(np.ones(600, dtype=int))
    space = modulator.modulate(np.zeros(600, dtype=int))
    assert dominant_frequency(mark[100:].astype(float)) == pytest.approx(spec.mark_hz, abs=1.0)
    assert dominant_frequency(space[100:].astype(float)) == pytest.approx(spec.space_hz, abs=1.0)


def test_modulator_level_is_the_requested_dbm0() -> None:
    audio = FskModulator(BELL202, level_dbm0=-13.0).modulate(np.arange(2400) % 2)
    level = 10 * np.log10(np.mean(audio.astype(float) ** 2) / DBM0_SINE_POWER)
    assert level == pytest.approx(-13.0, abs=0.05)


def test_modulator_keeps_phase_and_bit_clock_across_calls() -> None:
    rng = np.random.default_rng(1)
    bits = rng.integers(0, 2, 1000)
    whole = FskModulator(V23).modulate(bits)
    split = FskModulator(V23)
    pieces = [split.modulate(bits[i : i + 7]) for i in range(0, bits.size, 7)]
    np.testing.assert_array_equal(np.concatenate(pieces), whole)
    # 1200 bit/s at 8 kHz: exactly 20 samples per 3 bits.
    assert whole.size == 1000 * FS // 1200


def test_modulated_waveform_has_no_phase_jumps_at_bit_edges() -> None:
    audio = FskModulator(BELL202, level_dbm0=0.0).modulate(np.arange(300) % 2).astype(float)
    peak = np.abs(audio).max()
    # The largest step between samples is what a 2200 Hz sine allows, never more.
    assert np.abs(np.diff(audio)).max() <= peak * 2 * np.sin(np.pi * 2200 / FS) + 2


@pytest.mark.parametrize("spec", [BELL202, V23], ids=["bell202", "v23"])
@pytest.mark.parametrize("level_dbm0", [-5.0, -40.0])
def test_demodulator_and_framer_recover_bytes_through_noise(
    spec: FskSpec, level_dbm0: float
) -> None:
    rng = np.random.default_rng(7)
    payload = bytes(rng.integers(0, 256, 60).tolist())
    audio = FskModulator(spec, level_dbm0).modulate(async_bits(payload, idle_bits=60))
    noise = rng.standard_normal(audio.size) * np.sqrt(
        DBM0_SINE_POWER * 10 ** ((level_dbm0 - 20) / 10)
    )
    line = np.concatenate((np.zeros(200), audio + noise, np.zeros(200)))
    soft = FskDemodulator(spec).process(line)
    events = AsyncFramer(spec.samples_per_bit, min_idle_bits=40).push(soft.decision, soft.carrier)
    chars = [event for event in events if isinstance(event, AsyncChar)]
    assert bytes(char.value for char in chars[: len(payload)]) == payload
    assert not any(char.framing_error for char in chars[: len(payload)])
    assert chars[0].idle_bits == pytest.approx(60, abs=1.5)
    assert any(isinstance(event, CarrierDrop) for event in events[len(payload) :])


def test_framer_hunts_past_alternating_seizure_to_the_first_character_after_marks() -> None:
    bits = np.concatenate(((np.arange(300) % 2), async_bits(b"\x80\x01", idle_bits=150)))
    audio = FskModulator(BELL202).modulate(bits)
    soft = FskDemodulator(BELL202).process(np.concatenate((np.zeros(100), audio)))
    framer = AsyncFramer(BELL202.samples_per_bit, min_idle_bits=40)
    chars = [e for e in framer.push(soft.decision, soft.carrier) if isinstance(e, AsyncChar)]
    assert [char.value for char in chars][:2] == [0x80, 0x01]


@pytest.mark.parametrize("block", [1, 7, 160, 8000])
def test_framing_does_not_depend_on_block_size(block: int) -> None:
    rng = np.random.default_rng(3)
    payload = bytes(rng.integers(0, 256, 30).tolist())
    audio = FskModulator(V23, -20.0).modulate(async_bits(payload, idle_bits=80))
    line = (
        np.concatenate((np.zeros(50), audio, np.zeros(300)))
        + rng.standard_normal(audio.size + 350) * 30
    )
    demodulator = FskDemodulator(V23)
    framer = AsyncFramer(V23.samples_per_bit, min_idle_bits=40)
    events = []
    for start in range(0, line.size, block):
        soft = demodulator.process(line[start : start + block])
        events += framer.push(soft.decision, soft.carrier)
    reference_demodulator = FskDemodulator(V23)
    soft = reference_demodulator.process(line)
    reference = AsyncFramer(V23.samples_per_bit, min_idle_bits=40).push(soft.decision, soft.carrier)
    # Identical events; positions agree to floating-point rounding.
    assert [type(e) for e in events] == [type(e) for e in reference]
    for event, expected in zip(events, reference, strict=True):
        if isinstance(event, AsyncChar):
            assert isinstance(expected, AsyncChar)
            assert (event.value, event.framing_error) == (expected.value, expected.framing_error)
            assert event.sample == pytest.approx(expected.sample, abs=1e-6)
            assert event.idle_bits == pytest.approx(expected.idle_bits, abs=1e-6)
        else:
            assert event == expected
    chars = [e.value for e in events if isinstance(e, AsyncChar)]
    assert bytes(chars[: len(payload)]) == payload


def test_carrier_detector_stays_off_for_silence_and_line_noise() -> None:
    rng = np.random.default_rng(5)
    quiet_noise = rng.standard_normal(16000) * np.sqrt(DBM0_SINE_POWER * 10 ** (-55 / 10))
    soft = FskDemodulator(BELL202).process(quiet_noise)
    assert not soft.carrier.any()
    tone = FskModulator(BELL202, level_dbm0=-35.0).modulate(np.ones(1200, dtype=int))
    soft = FskDemodulator(BELL202).process(tone.astype(float))
    assert soft.carrier[100:].all()
