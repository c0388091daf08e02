"""Caller-ID message frames: layout per Telcordia GR-30 / ETSI EN 300 659-3, checksum, parsing."""

from __future__ import annotations

import pytest

from voice.callerid.messages import (
    MalformedMessage,
    caller_id_frame,
    checksum_ok,
    parse_frame,
)
from voice.callerid.model import Absence, CallerId, CallerIdStandard, CallTime

BELL = CallerIdStandard.BELL202
ETSI = CallerIdStandard.ETSI_FSK


def with_checksum(body: bytes) -> bytes:
    """Append the two's complement of the modulo-256 sum, computed here independently."""
    return body + bytes([(256 - sum(body) % 256) % 256])


def test_sdmf_frame_is_type_4_time_then_number() -> None:
    cid = CallerId(number="6135551234", time=CallTime(12, 25, 9, 30))
    expected = with_checksum(bytes([0x04, 18]) + b"12250930" + b"6135551234")
    assert caller_id_frame(cid, BELL, sdmf=True) == expected


def test_sdmf_private_number_is_a_single_p() -> None:
    cid = CallerId(number_absence=Absence.PRIVATE, time=CallTime(1, 2, 3, 4))
    expected = with_checksum(bytes([0x04, 9]) + b"01020304P")
    assert caller_id_frame(cid, BELL, sdmf=True) == expected


def test_mdmf_frame_carries_time_number_and_name_parameters() -> None:
    cid = CallerId(number="5551234", name="ACME LTD", time=CallTime(3, 1, 23, 59))
    payload = (
        bytes([0x01, 8])
        + b"03012359"
        + bytes([0x02, 7])
        + b"5551234"
        + bytes([0x07, 8])
        + b"ACME LTD"
    )
    expected = with_checksum(bytes([0x80, len(payload)]) + payload)
    assert caller_id_frame(cid, BELL) == expected
    assert caller_id_frame(cid, ETSI) == expected  # the ETSI call set-up message is alike


def test_absence_reasons_use_parameters_4_and_8() -> None:
    cid = CallerId(number_absence=Absence.UNAVAILABLE, name_absence=Absence.PRIVATE)
    payload = bytes([0x04, 1]) + b"O" + bytes([0x08, 1]) + b"P"
    assert caller_id_frame(cid, ETSI) == with_checksum(bytes([0x80, len(payload)]) + payload)


def test_message_waiting_frames() -> None:
    on = CallerId(message_waiting=True)
    assert caller_id_frame(on, BELL, sdmf=True) == with_checksum(bytes([0x06, 3, 0x42, 0x42, 0x42]))
    off = CallerId(message_waiting=False)
    assert caller_id_frame(off, BELL) == with_checksum(bytes([0x82, 3, 0x0B, 1, 0x00]))
    count = CallerId(message_waiting=True, message_count=3)
    assert caller_id_frame(count, ETSI) == with_checksum(
        bytes([0x82, 6, 0x0B, 1, 0xFF, 0x13, 1, 3])
    )


@pytest.mark.parametrize(
    "cid",
    [
        CallerId(number="5551234", name="O'HARA J", time=CallTime(7, 4, 0, 0)),
        CallerId(number_absence=Absence.PRIVATE, name_absence=Absence.PRIVATE),
        CallerId(number="+4930123456", name="Müller"),
        CallerId(message_waiting=True, message_count=12, time=CallTime(2, 29, 12, 0)),
    ],
)
def test_frames_parse_back_to_the_same_caller_id(cid: CallerId) -> None:
    frame = caller_id_frame(cid, ETSI)
    assert checksum_ok(frame)
    assert parse_frame(frame) == cid


def test_unknown_parameters_are_skipped() -> None:
    payload = bytes([0x11, 1, 0x01]) + bytes([0x02, 3]) + b"123" + bytes([0x03, 2]) + b"99"
    frame = with_checksum(bytes([0x80, len(payload)]) + payload)
    assert parse_frame(frame) == CallerId(number="123")


def test_a_wrong_checksum_is_detected() -> None:
    frame = bytearray(caller_id_frame(CallerId(number="5551234"), BELL))
    frame[5] ^= 0x01
    assert not checksum_ok(bytes(frame))


@pytest.mark.parametrize(
    "body",
    [
        bytes([0x04, 9]) + b"13320000P",  # month 13
        bytes([0x04, 11]) + b"010100005X5",  # letter in an SDMF number
        bytes([0x80, 4, 0x02, 5]) + b"12",  # parameter longer than the message
        bytes([0x80, 3, 0x04, 1]) + b"X",  # absence reason neither O nor P
        bytes([0x80, 4, 0x07, 2]) + b"A\x07",  # control character in a name
    ],
)
def test_malformed_content_is_refused_not_guessed(body: bytes) -> None:
    with pytest.raises(MalformedMessage):
        parse_frame(with_checksum(body))


def test_encoder_errors_say_what_to_do() -> None:
    with pytest.raises(ValueError, match=r"CallerId\.time"):
        caller_id_frame(CallerId(number="123"), BELL, sdmf=True)
    with pytest.raises(ValueError, match="MDMF"):
        caller_id_frame(
            CallerId(number="123", name="X", time=CallTime(1, 1, 0, 0)), BELL, sdmf=True
        )
    with pytest.raises(ValueError, match="SDMF exists only"):
        caller_id_frame(CallerId(number="123"), ETSI, sdmf=True)
    with pytest.raises(ValueError, match="either a number or"):
        CallerId(number="1", number_absence=Absence.PRIVATE)
    with pytest.raises(ValueError, match="month"):
        CallTime(13, 1, 0, 0)
