"""G.711 against tables built here from the recommendation's segment definitions."""

from __future__ import annotations

import numpy as np
import pytest

from tests.voice.signals import g711_reference, sine
from voice import g711

EVERY_INT16 = np.arange(-32768, 32768).astype(np.int16)
EVERY_CODE = np.arange(256, dtype=np.uint8)


@pytest.mark.parametrize("law", ["ulaw", "alaw"])
def test_encoding_matches_g711_for_every_16_bit_sample(law):
    expected_codes, _ = g711_reference(law)
    assert np.array_equal(g711.encode(EVERY_INT16, law), expected_codes)


@pytest.mark.parametrize("law", ["ulaw", "alaw"])
def test_decoding_matches_g711_for_every_code(law):
    _, expected_values = g711_reference(law)
    decoded = g711.decode(EVERY_CODE, law)
    assert decoded.dtype == np.int16
    assert np.array_equal(decoded, expected_values)


def test_decoded_peaks_are_on_the_16_bit_scale():
    assert g711.ulaw_decode(EVERY_CODE).max() == 32124
    assert g711.ulaw_decode(EVERY_CODE).min() == -32124
    assert g711.alaw_decode(EVERY_CODE).max() == 32256
    assert g711.alaw_decode(EVERY_CODE).min() == -32256


def test_every_code_survives_decode_and_encode():
    assert np.array_equal(g711.alaw_encode(g711.alaw_decode(EVERY_CODE)), EVERY_CODE)
    again = g711.ulaw_encode(g711.ulaw_decode(EVERY_CODE))
    # µ-law has two zeros; the negative one (0x7F) comes back as the positive one.
    assert np.array_equal(np.delete(again, 0x7F), np.delete(EVERY_CODE, 0x7F))
    assert again[0x7F] == 0xFF


def test_silence_is_what_each_law_encodes_for_zero():
    for law in g711.LAWS:
        assert g711.encode(np.zeros(1, np.int16), law)[0] == g711.SILENCE_BYTE[law]
        assert g711.silence(160, law) == bytes([g711.SILENCE_BYTE[law]]) * 160
    assert g711.SILENCE_BYTE == {"ulaw": 0xFF, "alaw": 0xD5}


def test_transcoding_keeps_the_reconstructed_level():
    for source, target in (("ulaw", "alaw"), ("alaw", "ulaw")):
        codes = g711.transcode(bytes(range(256)), source, target)
        assert np.array_equal(codes, g711.encode(g711.decode(EVERY_CODE, source), target))
        # The level after transcoding is the nearest the target law can make.
        error = np.abs(g711.decode(codes, target).astype(int) - g711.decode(EVERY_CODE, source))
        assert error.max() <= 1024
    assert np.array_equal(g711.transcode(EVERY_CODE, "alaw", "alaw"), EVERY_CODE)


@pytest.mark.parametrize("law", ["ulaw", "alaw"])
@pytest.mark.parametrize(
    ("level", "min_snr_db"), [(0, 35), (-10, 35), (-20, 35), (-30, 35), (-40, 29), (-45, 24)]
)
def test_quantisation_noise_of_a_sine_meets_the_g712_mask(law, level, min_snr_db):
    clean = sine(1020, level, 8000, 0.3)
    coded = g711.through(np.rint(clean).astype(np.int16), law).astype(float)
    noise = coded - clean
    assert 10 * np.log10(np.mean(clean**2) / np.mean(noise**2)) >= min_snr_db


def test_codes_can_be_bytes_or_arrays_and_laws_are_checked():
    assert np.array_equal(g711.decode(b"\x00\xff", "ulaw"), g711.decode([0, 255], "ulaw"))
    with pytest.raises(ValueError, match="ulaw"):
        g711.encode(np.zeros(1, np.int16), "mulaw")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="0…255"):
        g711.decode([256], "alaw")
