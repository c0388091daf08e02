"""The auto-detecting caller-ID receiver: one front end, the standard found from the audio."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from bench.spandsp_adsi import (
    ADSI_STANDARD_CLASS,
    ADSI_STANDARD_CLIP,
    ADSI_STANDARD_CLIP_DTMF,
    AdsiTransmitter,
    available,
)
from firmware.countries import load_country
from tests.voice.test_callerid_line import impair
from voice.callerid import encode_caller_id
from voice.callerid.dtmf_codec import encode_dtmf
from voice.callerid.dtmf_format import DtmfFormat
from voice.callerid.fsk_encoder import encode_fsk
from voice.callerid.model import (
    Absence,
    CallerId,
    CallerIdResult,
    CallerIdStandard,
    CallTime,
    DecodeStatus,
)
from voice.callerid.receiver import CallerIdReceiver

BELL = CallerIdStandard.BELL202
ETSI = CallerIdStandard.ETSI_FSK
DTMF = CallerIdStandard.DTMF
TIME = CallTime(4, 1, 9, 0)

TRANSMISSIONS = [
    (BELL, CallerId(number="6135551234", time=TIME), lambda c: encode_fsk(c, BELL, sdmf=True)),
    (
        BELL,
        CallerId(number="6135551234", name="SMITH JOHN", time=TIME),
        lambda c: encode_fsk(c, BELL),
    ),
    (ETSI, CallerId(number="4951234567", name="PETROV", time=TIME), lambda c: encode_fsk(c, ETSI)),
    (
        ETSI,
        CallerId(message_waiting=True, message_count=1),
        lambda c: encode_fsk(c, ETSI, alert=True),
    ),
    (DTMF, CallerId(number="0441234567"), lambda c: encode_dtmf(c, DtmfFormat.A_C)),
    (DTMF, CallerId(number_absence=Absence.PRIVATE), lambda c: encode_dtmf(c, DtmfFormat.D_C)),
]
IDS = ["bell-sdmf", "bell-mdmf", "etsi-setup", "etsi-mwi-alert", "dtmf-a-c", "dtmf-private"]


def receive(
    audio: np.ndarray, receiver: CallerIdReceiver | None = None, block: int = 160
) -> list[CallerIdResult]:
    receiver = receiver or CallerIdReceiver()
    results: list[CallerIdResult] = []
    for start in range(0, audio.size, block):
        results += receiver.feed(audio[start : start + block])
    return results


@pytest.mark.parametrize(("standard", "cid", "encode"), TRANSMISSIONS, ids=IDS)
@pytest.mark.parametrize("level", [-5.0, -35.0])
@pytest.mark.parametrize("offset", [-10.0, 10.0])
def test_standard_is_detected_from_the_audio(
    standard: CallerIdStandard,
    cid: CallerId,
    encode: Callable[[CallerId], np.ndarray],
    level: float,
    offset: float,
) -> None:
    rng = np.random.default_rng([int(-level), int(offset + 10)])
    line = impair(encode(cid), level=level, snr_db=20, offset_hz=offset, rng=rng)
    receiver = CallerIdReceiver()
    results = receive(line, receiver)
    assert [(r.standard, r.status, r.caller_id) for r in results] == [
        (standard, DecodeStatus.OK, cid)
    ]
    assert receiver.detected is standard


@pytest.mark.skipif(not available(), reason="libspandsp2 is not installed")
@pytest.mark.parametrize(
    ("code", "standard", "message_type", "fields"),
    [
        (ADSI_STANDARD_CLASS, BELL, 0x80, [(0x02, b"2125551212"), (0x07, b"DOE JANE")]),
        (ADSI_STANDARD_CLIP, ETSI, 0x80, [(0x02, b"01632960000")]),
        (ADSI_STANDARD_CLIP_DTMF, DTMF, ord("C"), [(ord("A"), b"0612345678")]),
    ],
    ids=["class", "clip", "clip-dtmf"],
)
def test_spandsp_transmissions_are_attributed_to_their_standard(
    code: int, standard: CallerIdStandard, message_type: int, fields: list[tuple[int, bytes]]
) -> None:
    tx = AdsiTransmitter(code)
    tx.put_message(tx.build_message(message_type, fields))
    line = impair(tx.generate(), level=-20, snr_db=20, rng=np.random.default_rng(5))
    results = receive(line)
    assert [(r.standard, r.status) for r in results] == [(standard, DecodeStatus.OK)]


def test_a_receiver_limited_to_one_standard_ignores_the_others() -> None:
    bell = encode_fsk(CallerId(number="5551234", time=TIME), BELL, sdmf=True)
    dtmf = encode_dtmf(CallerId(number="5551234"))
    line = impair(
        np.concatenate((bell, np.zeros(8000), dtmf)),
        level=-15,
        snr_db=25,
        rng=np.random.default_rng(6),
    )
    results = receive(line, CallerIdReceiver([DTMF]))
    assert [r.standard for r in results] == [DTMF]


def test_consecutive_calls_in_different_standards_are_each_detected() -> None:
    first = encode_dtmf(CallerId(number="0441234567"))
    second = encode_fsk(CallerId(number="4951234567", time=TIME), ETSI)
    line = impair(
        np.concatenate((first, np.zeros(16000), second)),
        level=-20,
        snr_db=20,
        rng=np.random.default_rng(7),
    )
    receiver = CallerIdReceiver()
    assert [r.standard for r in receive(line, receiver)] == [DTMF, ETSI]
    assert receiver.detected is ETSI


@pytest.mark.parametrize("gap_s", [0.3, 2.0])
def test_fsk_message_soon_after_a_dtmf_message_is_heard_where_it_ends(gap_s: float) -> None:
    dtmf = encode_dtmf(CallerId(number="0441234567"))
    cid = CallerId(number="6135551234", name="SMITH JOHN", time=TIME)
    fsk = encode_fsk(cid, BELL)
    rng = np.random.default_rng(10)
    gap = np.zeros(round(gap_s * 8000))
    line = impair(np.concatenate((dtmf, gap, fsk)), level=-20, snr_db=20, rng=rng)
    results = receive(line)
    assert [(r.standard, r.status) for r in results] == [
        (DTMF, DecodeStatus.OK),
        (BELL, DecodeStatus.OK),
    ]
    assert results[1].caller_id == cid
    # The FSK decoders rested through the DTMF message and still count samples from the start.
    alone = [r for r in receive(line, CallerIdReceiver([BELL])) if r.ok]
    assert [r.sample for r in alone] == [results[1].sample]


@pytest.mark.parametrize("block", [1, 7, 8000])
def test_results_do_not_depend_on_block_size(block: int) -> None:
    cid = CallerId(number="6135551234", name="SMITH JOHN", time=TIME)
    line = impair(encode_fsk(cid, BELL), level=-20, snr_db=20, rng=np.random.default_rng(8))
    assert [(r.standard, r.caller_id) for r in receive(line, block=block)] == [(BELL, cid)]


def test_line_noise_gives_no_caller_id() -> None:
    noise = np.random.default_rng(9).standard_normal(8000 * 10) * 1000
    assert receive(noise.astype(np.int16)) == []


@pytest.mark.parametrize("country", ["US", "RU", "GB", "DE", "UA"])
def test_each_country_profile_standard_round_trips(country: str) -> None:
    standard = CallerIdStandard(load_country(country).caller_id.standard)
    cid = CallerId(number="5551234")
    line = impair(
        encode_caller_id(cid, standard), level=-20, snr_db=20, rng=np.random.default_rng(10)
    )
    assert [(r.standard, r.caller_id) for r in receive(line)] == [(standard, cid)]


def test_results_summarise_the_detected_standard_and_caller() -> None:
    cid = CallerId(number="6135551234", name="SMITH JOHN", time=TIME)
    line = impair(encode_fsk(cid, BELL), level=-20, snr_db=20, rng=np.random.default_rng(11))
    (result,) = receive(line)
    assert result.summary() == (
        'Bell 202 FSK (Telcordia GR-30): 6135551234 "SMITH JOHN" 04-01 09:00'
    )
    private = CallerIdResult(DTMF, DecodeStatus.OK, CallerId(number_absence=Absence.PRIVATE))
    assert private.summary().endswith(": withheld number")
    broken = CallerIdResult(ETSI, DecodeStatus.CHECKSUM_ERROR)
    assert broken.summary() == "V.23 FSK (ETSI EN 300 659): checksum error"
