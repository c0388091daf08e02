"""DTMF caller ID: digit-string formats, round trips over an impaired line, and spandsp."""

from __future__ import annotations

import numpy as np
import pytest

from bench.spandsp_adsi import ADSI_STANDARD_CLIP_DTMF, AdsiReceiver, AdsiTransmitter, available
from tests.voice.test_callerid_line import impair
from voice.callerid.dtmf_codec import DtmfCallerIdDecoder, encode_dtmf
from voice.callerid.dtmf_format import (
    DtmfFormat,
    MalformedDtmfMessage,
    dtmf_string,
    parse_dtmf_string,
)
from voice.callerid.model import Absence, CallerId, CallerIdResult, DecodeStatus

CASES = [
    (CallerId(number="0612345678"), DtmfFormat.A_C, "A0612345678C"),
    (CallerId(number="27654321"), DtmfFormat.D_C, "D27654321C"),
    (CallerId(number_absence=Absence.UNAVAILABLE), DtmfFormat.A_C, "B00C"),
    (CallerId(number_absence=Absence.PRIVATE), DtmfFormat.A_C, "B10C"),
    (CallerId(number_absence=Absence.PRIVATE), DtmfFormat.D_C, "B10C"),
    (CallerId(number="4433221"), DtmfFormat.A_HASH, "A4433221#"),
    (CallerId(number_absence=Absence.PRIVATE), DtmfFormat.A_HASH, "D1#"),
]
IDS = ["a-c", "d-c", "a-c-unavailable", "a-c-private", "d-c-private", "a-hash", "hash-private"]


def decode(audio: np.ndarray, block: int = 160) -> list[CallerIdResult]:
    decoder = DtmfCallerIdDecoder()
    results: list[CallerIdResult] = []
    for start in range(0, audio.size, block):
        results += decoder.feed(audio[start : start + block])
    return results


@pytest.mark.parametrize(("cid", "fmt", "digits"), CASES, ids=IDS)
def test_caller_id_is_framed_in_the_chosen_variant(
    cid: CallerId, fmt: DtmfFormat, digits: str
) -> None:
    assert dtmf_string(cid, fmt) == digits
    parsed, _ = parse_dtmf_string(digits)
    assert parsed == cid


@pytest.mark.parametrize(
    ("digits", "cid"),
    [
        ("A0612345678D0201234567C", CallerId(number="0612345678")),  # with a redirecting number
        ("D2#", CallerId(number_absence=Absence.UNAVAILABLE)),  # international, no number
        ("D3#", CallerId(number_absence=Absence.UNAVAILABLE)),
        ("5551234#", CallerId(number="5551234")),  # bare number, Denmark/Netherlands
    ],
)
def test_other_variants_are_understood(digits: str, cid: CallerId) -> None:
    assert parse_dtmf_string(digits)[0] == cid


@pytest.mark.parametrize("digits", ["A123", "B77C", "AB00C1", "A12*3C", "D9#", "AC", "A1A2C"])
def test_malformed_strings_are_refused(digits: str) -> None:
    with pytest.raises(MalformedDtmfMessage):
        parse_dtmf_string(digits)


def test_only_digits_can_be_sent_as_dtmf() -> None:
    with pytest.raises(ValueError, match="digits only"):
        dtmf_string(CallerId(number="+44123"))


@pytest.mark.parametrize(("cid", "fmt", "digits"), CASES, ids=IDS)
@pytest.mark.parametrize("level", [-5.0, -35.0])
@pytest.mark.parametrize("offset", [-10.0, 10.0])
def test_round_trip_through_a_noisy_mistuned_line(
    cid: CallerId, fmt: DtmfFormat, digits: str, level: float, offset: float
) -> None:
    rng = np.random.default_rng([len(digits), int(-level), int(offset + 10)])
    audio = impair(encode_dtmf(cid, fmt), level=level, snr_db=20, offset_hz=offset, rng=rng)
    results = decode(audio)
    assert [(r.status, r.caller_id, r.raw) for r in results] == [
        (DecodeStatus.OK, cid, digits.encode())
    ]


@pytest.mark.parametrize("block", [1, 7, 8000])
def test_results_do_not_depend_on_block_size(block: int) -> None:
    cid = CallerId(number="0612345678")
    audio = impair(encode_dtmf(cid), level=-20, snr_db=20, rng=np.random.default_rng(1))
    assert [r.caller_id for r in decode(audio, block)] == [cid]


def test_digits_that_stop_before_the_terminator_are_reported_truncated() -> None:
    audio = encode_dtmf(CallerId(number="0612345678"))
    cut = audio[: audio.size // 2]
    line = impair(
        np.concatenate((cut, np.zeros(8000 * 2))),
        level=-15,
        snr_db=30,
        rng=np.random.default_rng(2),
    )
    results = decode(line)
    assert [(r.status, r.caller_id) for r in results] == [(DecodeStatus.TRUNCATED, None)]


@pytest.mark.skipif(not available(), reason="libspandsp2 is not installed")
@pytest.mark.parametrize(
    ("terminator", "fields", "cid"),
    [
        ("C", [(ord("A"), b"0612345678")], CallerId(number="0612345678")),
        ("C", [(ord("D"), b"27654321")], CallerId(number="27654321")),
        ("C", [(ord("B"), b"10")], CallerId(number_absence=Absence.PRIVATE)),
        ("#", [(ord("A"), b"4433221")], CallerId(number="4433221")),
    ],
    ids=["a-c", "d-c", "b-private", "a-hash"],
)
def test_we_decode_spandsp_dtmf_clip(
    terminator: str, fields: list[tuple[int, bytes]], cid: CallerId
) -> None:
    tx = AdsiTransmitter(ADSI_STANDARD_CLIP_DTMF)
    tx.put_message(tx.build_message(ord(terminator), fields))
    line = impair(tx.generate(), level=-25, snr_db=20, offset_hz=10, rng=np.random.default_rng(3))
    assert [(r.status, r.caller_id) for r in decode(line)] == [(DecodeStatus.OK, cid)]


@pytest.mark.skipif(not available(), reason="libspandsp2 is not installed")
@pytest.mark.parametrize(("cid", "fmt", "digits"), CASES[:4], ids=IDS[:4])
def test_spandsp_decodes_our_dtmf_caller_id(cid: CallerId, fmt: DtmfFormat, digits: str) -> None:
    receiver = AdsiReceiver(ADSI_STANDARD_CLIP_DTMF)
    receiver.feed(impair(encode_dtmf(cid, fmt), level=-20, snr_db=25, rng=np.random.default_rng(4)))
    assert receiver.messages == [digits.encode()]
