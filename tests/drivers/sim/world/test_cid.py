"""Caller ID: the exchange's encoder against spandsp's adsi_rx, spandsp's adsi_tx against
the phone's display decoder."""

import numpy as np
import pytest

from drivers.sim.world import cid, cid_format
from tests.drivers.sim.world import spandsp_ref as ref

WHEN = "03141592"


def on_hook_line(audio: np.ndarray, *, noise_dbm0: float | None = -60) -> np.ndarray:
    """Caller-ID audio with quiet before and after, plus white noise, as an on-hook line."""
    padded = np.concatenate((np.zeros(2400), audio, np.zeros(4000)))
    if noise_dbm0 is not None:
        rms = 16140 * 10 ** (noise_dbm0 / 20)
        padded = padded + np.random.default_rng(7).normal(0, rms, len(padded))
    return np.clip(np.round(padded), -32768, 32767).astype(np.int16)


def display(audio: np.ndarray) -> cid.CallerIdDisplay:
    shown = cid.CallerIdDisplay()
    for start in range(0, len(audio), 160):
        shown.feed(start, audio[start : start + 160])
    shown.finish()
    return shown


@pytest.mark.parametrize(
    ("standard", "spandsp_standard", "name"),
    [
        ("bell202", ref.ADSI_STANDARD_CLASS, None),
        ("bell202", ref.ADSI_STANDARD_CLASS, "SMITH JOHN"),
        ("etsi_fsk", ref.ADSI_STANDARD_CLIP, "Ivanov"),
        ("etsi_fsk", ref.ADSI_STANDARD_CLIP, None),
    ],
)
def test_spandsp_decodes_the_exchanges_fsk_caller_id(standard, spandsp_standard, name):
    audio = cid.caller_id_audio("84951234567", name, WHEN, standard)
    messages = ref.adsi_decode(spandsp_standard, on_hook_line(audio))
    assert len(messages) == 1
    message = messages[0]
    if standard == "bell202" and name is None:
        assert message == bytes([0x04, 19]) + (WHEN + "84951234567").encode()
    else:
        fields = [(0x01, WHEN.encode()), (0x02, b"84951234567")]
        if name:
            fields.append((0x07, name.encode()))
        assert message == ref.mdmf(0x80, fields)


def test_spandsp_decodes_the_exchanges_dtmf_caller_id():
    audio = cid.caller_id_audio("4951234567", None, WHEN, "dtmf")
    assert ref.adsi_decode(ref.ADSI_STANDARD_CLIP_DTMF, on_hook_line(audio)) == [b"A4951234567C"]


def test_fsk_caller_id_is_sent_at_the_specified_level_and_framing():
    message = cid_format.call_setup_message("5551234", None, WHEN, sdmf=True)
    audio = cid.fsk_audio(message, "bell202")
    bits = 300 + 180 + 10 * len(message) + 5
    assert len(audio) == pytest.approx(bits * 8000 / 1200, abs=1)
    rms_dbm0 = 10 * np.log10(np.mean(audio.astype(float) ** 2) / (22826**2 / 2))
    assert rms_dbm0 == pytest.approx(-13, abs=0.1)


@pytest.mark.parametrize(
    ("spandsp_standard", "message", "number", "name", "standard"),
    [
        (ref.ADSI_STANDARD_CLASS, b"\x04\x00" + b"031415925551234", "5551234", None, "bell202"),
        (
            ref.ADSI_STANDARD_CLASS,
            ref.mdmf(0x80, [(1, WHEN.encode()), (2, b"2125551234"), (7, b"DOE JANE")]),
            "2125551234",
            "DOE JANE",
            "bell202",
        ),
        (
            ref.ADSI_STANDARD_CLIP,
            ref.mdmf(0x80, [(1, WHEN.encode()), (2, b"4951112233"), (7, b"Petrov")]),
            "4951112233",
            "Petrov",
            "etsi_fsk",
        ),
    ],
)
def test_display_decodes_spandsp_fsk_caller_id(spandsp_standard, message, number, name, standard):
    shown = display(on_hook_line(ref.adsi_generate(spandsp_standard, message)))
    caller = shown.latest
    assert caller is not None
    assert (caller.number, caller.name, caller.time, caller.standard) == (
        number,
        name,
        WHEN,
        standard,
    )


@pytest.mark.parametrize("digits", ["A4951234567C", "D4951234567C", "A4951234567#"])
def test_display_decodes_spandsp_dtmf_caller_id(digits):
    shown = display(on_hook_line(ref.adsi_generate(ref.ADSI_STANDARD_CLIP_DTMF, digits.encode())))
    assert shown.latest is not None
    assert (shown.latest.number, shown.latest.standard) == ("4951234567", "dtmf")


def test_display_shows_a_withheld_number_as_private():
    message = ref.mdmf(0x80, [(1, WHEN.encode()), (0x04, b"P")])
    shown = display(on_hook_line(ref.adsi_generate(ref.ADSI_STANDARD_CLIP, message)))
    assert shown.latest is not None
    assert (shown.latest.number, shown.latest.absence) == (None, "private")


def test_display_follows_spandsp_message_waiting_on_and_off():
    on = ref.adsi_generate(ref.ADSI_STANDARD_CLIP, ref.mdmf(0x82, [(0x0B, b"\xff")]))
    off = ref.adsi_generate(ref.ADSI_STANDARD_CLIP, ref.mdmf(0x82, [(0x0B, b"\x00")]))
    shown = cid.CallerIdDisplay()
    for part, expected in ((on, True), (off, False)):
        audio = on_hook_line(part)
        for start in range(0, len(audio), 160):
            shown.feed(start, audio[start : start + 160])
        assert shown.message_waiting is not None
        assert shown.message_waiting.active is expected


def test_display_rejects_a_message_with_a_bad_checksum():
    message = bytearray(cid_format.call_setup_message("5551234", None, WHEN, sdmf=True))
    message[-1] ^= 0x01
    assert display(on_hook_line(cid.fsk_audio(bytes(message), "bell202"))).latest is None


def test_display_stays_blank_for_noise_and_speech_band_tones():
    rng = np.random.default_rng(11)
    noise = rng.normal(0, 3000, 16000).astype(np.int16)
    t = np.arange(16000) / 8000
    hum = (8000 * np.sin(2 * np.pi * 1700 * t)).astype(np.int16)
    for audio in (noise, hum):
        shown = display(on_hook_line(audio))
        assert shown.latest is None and shown.message_waiting is None


def test_dtmf_caller_id_variants_are_read():
    parse = cid_format.parse_dtmf_caller_id
    assert parse("A5551234C", 0).number == "5551234"
    assert parse("A5551234D7778888B00C", 0).number == "5551234"
    assert parse("B10C", 0).absence == "private"
    assert parse("D1#", 0).absence == "private"
    assert parse("5551234#", 0).number == "5551234"
    assert parse("1234", 0) is None
