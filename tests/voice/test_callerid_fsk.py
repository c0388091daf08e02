"""FSK caller ID end to end: encoder audio over an impaired line into the decoder."""

from __future__ import annotations

import numpy as np
import pytest

from tests.voice.test_callerid_line import FS, dominant_frequency, impair, level_dbm0
from voice.callerid.fsk_decoder import FskCallerIdDecoder
from voice.callerid.fsk_encoder import DT_AS_MS, encode_frame_audio, encode_fsk
from voice.callerid.messages import caller_id_frame
from voice.callerid.model import (
    Absence,
    CallerId,
    CallerIdResult,
    CallerIdStandard,
    CallTime,
    DecodeStatus,
)

BELL = CallerIdStandard.BELL202
ETSI = CallerIdStandard.ETSI_FSK
TIME = CallTime(11, 30, 14, 5)

# (standard, sdmf, caller ID): every message format the encoder and decoder support.
FORMATS = [
    (BELL, True, CallerId(number="6135551234", time=TIME)),
    (BELL, True, CallerId(number_absence=Absence.UNAVAILABLE, time=TIME)),
    (BELL, True, CallerId(message_waiting=True)),
    (BELL, False, CallerId(number="6135551234", name="SMITH JOHN", time=TIME)),
    (
        BELL,
        False,
        CallerId(number_absence=Absence.PRIVATE, name_absence=Absence.PRIVATE, time=TIME),
    ),
    (BELL, False, CallerId(number="8005550100", name_absence=Absence.UNAVAILABLE)),
    (BELL, False, CallerId(message_waiting=False)),
    (ETSI, False, CallerId(number="0207946000", name="BRITISH LIBRARY", time=TIME)),
    (ETSI, False, CallerId(number_absence=Absence.UNAVAILABLE, name_absence=Absence.UNAVAILABLE)),
    (ETSI, False, CallerId(number_absence=Absence.PRIVATE, time=TIME)),
    (ETSI, False, CallerId(message_waiting=True, message_count=2, time=TIME)),
    (ETSI, False, CallerId(message_waiting=False)),
]
FORMAT_IDS = [
    "bell-sdmf-number",
    "bell-sdmf-out-of-area",
    "bell-sdmf-mwi",
    "bell-mdmf-name",
    "bell-mdmf-private",
    "bell-mdmf-name-absent",
    "bell-mdmf-mwi-off",
    "etsi-setup-name",
    "etsi-setup-unavailable",
    "etsi-setup-private",
    "etsi-mwi-count",
    "etsi-mwi-off",
]


def decode(standard: CallerIdStandard, audio: np.ndarray, block: int = 160) -> list[CallerIdResult]:
    decoder = FskCallerIdDecoder(standard)
    results: list[CallerIdResult] = []
    for start in range(0, audio.size, block):
        results += decoder.feed(audio[start : start + block])
    return results


@pytest.mark.parametrize(("standard", "sdmf", "cid"), FORMATS, ids=FORMAT_IDS)
@pytest.mark.parametrize("level", [-5.0, -35.0])
@pytest.mark.parametrize("offset", [-10.0, 10.0])
def test_round_trip_through_a_noisy_mistuned_line(
    standard: CallerIdStandard, sdmf: bool, cid: CallerId, level: float, offset: float
) -> None:
    rng = np.random.default_rng(abs(hash((level, offset))) % 2**32)
    audio = impair(
        encode_fsk(cid, standard, sdmf=sdmf), level=level, snr_db=20, offset_hz=offset, rng=rng
    )
    results = decode(standard, audio)
    assert [(r.status, r.caller_id) for r in results] == [(DecodeStatus.OK, cid)]
    expected_mark = 1200 if standard is BELL else 1300
    assert results[0].mark_hz == pytest.approx(expected_mark + offset, abs=4)


@pytest.mark.parametrize("law", ["ulaw", "alaw"])
def test_round_trip_through_g711_at_the_weakest_level(law: str) -> None:
    cid = CallerId(number="4951234567", name="IVANOV", time=TIME)
    audio = impair(
        encode_fsk(cid, ETSI), level=-35, snr_db=20, rng=np.random.default_rng(9), law=law
    )
    assert [r.caller_id for r in decode(ETSI, audio)] == [cid]


def test_default_level_is_minus_13_dbm0() -> None:
    audio = encode_fsk(CallerId(number="5551234", time=TIME), BELL, sdmf=True)
    assert level_dbm0(audio[100:-100]) == pytest.approx(-13, abs=0.1)


def test_transmission_layout_seizure_marks_message() -> None:
    cid = CallerId(number="5551234", time=TIME)
    frame = caller_id_frame(cid, BELL, sdmf=True)
    audio = encode_fsk(cid, BELL, sdmf=True)
    bits = 300 + 180 + 10 * len(frame) + 6
    assert audio.size == bits * FS // 1200
    # The 180 mark bits after the seizure are one steady 1200 Hz tone.
    marks = audio[round(310 * FS / 1200) : round(470 * FS / 1200)].astype(float)
    assert dominant_frequency(marks) == pytest.approx(1200, abs=2)


def test_etsi_dt_as_alert_precedes_the_data_and_is_decodable() -> None:
    cid = CallerId(number="0301234567", time=TIME)
    audio = encode_fsk(cid, ETSI, alert=True)
    alert = audio[: round(DT_AS_MS * FS / 1000)].astype(float)
    spectrum = np.abs(np.fft.rfft(alert * np.hanning(alert.size), 8000))
    strongest = sorted(np.argsort(spectrum)[-2:])
    assert [round(k) for k in strongest] == [2130, 2750]
    line = impair(audio, level=-20, snr_db=25, rng=np.random.default_rng(4))
    assert [r.caller_id for r in decode(ETSI, line)] == [cid]


@pytest.mark.parametrize("block", [1, 7, 160, 8000])
def test_results_do_not_depend_on_block_size(block: int) -> None:
    cid = CallerId(number="6135551234", name="SMITH JOHN", time=TIME)
    audio = impair(encode_fsk(cid, BELL), level=-20, snr_db=20, rng=np.random.default_rng(5))
    results = decode(BELL, audio, block)
    assert [(r.status, r.caller_id, r.raw) for r in results] == [
        (DecodeStatus.OK, cid, caller_id_frame(cid, BELL))
    ]


def test_corrupted_payload_is_a_checksum_error_not_a_wrong_number() -> None:
    frame = bytearray(caller_id_frame(CallerId(number="5551234", time=TIME), BELL, sdmf=True))
    frame[12] = ord("9")  # one digit of the number changed; the checksum no longer fits
    audio = impair(
        encode_frame_audio(bytes(frame), BELL), level=-20, snr_db=30, rng=np.random.default_rng(6)
    )
    results = decode(BELL, audio)
    assert [(r.status, r.caller_id) for r in results] == [(DecodeStatus.CHECKSUM_ERROR, None)]
    assert results[0].raw == bytes(frame)


def test_line_hits_never_produce_a_wrong_caller_id() -> None:
    """Noise bursts across the message: each decode is right or reported as an error."""
    cid = CallerId(number="6135551234", name="SMITH JOHN", time=TIME)
    clean = encode_fsk(cid, BELL).astype(float)
    start_of_message = round((300 + 180) * FS / 1200)
    rng = np.random.default_rng(11)
    outcomes = set()
    for trial in range(40):
        hit = clean.copy()
        position = start_of_message + rng.integers(0, clean.size - start_of_message - 40)
        hit[position : position + 12] += rng.standard_normal(12) * 8000
        results = decode(BELL, impair(hit, level=-15, snr_db=30, rng=rng))
        for result in results:
            outcomes.add(result.status)
            if result.status is DecodeStatus.OK:
                assert result.caller_id == cid, f"trial {trial} decoded a wrong caller ID"
            else:
                assert result.caller_id is None
    assert DecodeStatus.OK in outcomes
    assert outcomes - {DecodeStatus.OK}, "some hits must be reported as errors"


def test_signal_lost_mid_message_is_reported_truncated() -> None:
    cid = CallerId(number="6135551234", name="SMITH JOHN", time=TIME)
    audio = encode_fsk(cid, BELL)
    cut = audio[: round((300 + 180 + 10 * 12) * FS / 1200)]
    results = decode(BELL, impair(cut, level=-20, snr_db=30, rng=np.random.default_rng(8)))
    assert [(r.status, r.caller_id) for r in results] == [(DecodeStatus.TRUNCATED, None)]


def test_silence_noise_and_speech_band_noise_decode_nothing() -> None:
    rng = np.random.default_rng(12)
    noise = rng.standard_normal(8000 * 20) * 800  # about −26 dBm0, well above carrier
    for standard in (BELL, ETSI):
        assert decode(standard, np.clip(noise, -32768, 32767).astype(np.int16)) == []
