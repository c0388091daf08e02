"""FSK caller ID against an independent implementation: spandsp's adsi_tx and adsi_rx.

spandsp builds its messages with its own adsi_add_field, sends them with its own FSK
modulator (its default is 80 mark bits, not 180) and DT-AS tone; we decode those. The other
way, spandsp's receiver decodes our audio.
"""

from __future__ import annotations

import numpy as np
import pytest

from bench.spandsp_adsi import (
    ADSI_STANDARD_CLASS,
    ADSI_STANDARD_CLIP,
    AdsiReceiver,
    AdsiTransmitter,
    available,
)
from tests.voice.test_callerid_line import impair
from voice.callerid.fsk_decoder import FskCallerIdDecoder
from voice.callerid.fsk_encoder import encode_fsk
from voice.callerid.messages import caller_id_frame
from voice.callerid.model import Absence, CallerId, CallerIdStandard, CallTime, DecodeStatus

pytestmark = pytest.mark.skipif(not available(), reason="libspandsp2 is not installed")

BELL = CallerIdStandard.BELL202
ETSI = CallerIdStandard.ETSI_FSK
TIME = CallTime(6, 15, 8, 45)
SPANDSP_STANDARD = {BELL: ADSI_STANDARD_CLASS, ETSI: ADSI_STANDARD_CLIP}

# (standard, message type, spandsp fields, what the fields mean)
SPANDSP_MESSAGES = [
    (BELL, 0x04, [(0, b"06150845" + b"2125551212")], CallerId(number="2125551212", time=TIME)),
    (BELL, 0x04, [(0, b"06150845" + b"P")], CallerId(number_absence=Absence.PRIVATE, time=TIME)),
    (
        BELL,
        0x80,
        [(0x01, b"06150845"), (0x02, b"2125551212"), (0x07, b"DOE JANE")],
        CallerId(number="2125551212", name="DOE JANE", time=TIME),
    ),
    (
        BELL,
        0x80,
        [(0x01, b"06150845"), (0x04, b"O"), (0x08, b"O")],
        CallerId(number_absence=Absence.UNAVAILABLE, name_absence=Absence.UNAVAILABLE, time=TIME),
    ),
    (BELL, 0x82, [(0x0B, b"\xff")], CallerId(message_waiting=True)),
    (
        ETSI,
        0x80,
        [(0x01, b"06150845"), (0x02, b"01632960000"), (0x07, b"HOLMES S")],
        CallerId(number="01632960000", name="HOLMES S", time=TIME),
    ),
    (ETSI, 0x80, [(0x04, b"P")], CallerId(number_absence=Absence.PRIVATE)),
    (ETSI, 0x82, [(0x0B, b"\x00")], CallerId(message_waiting=False)),
]
IDS = [
    "class-sdmf",
    "class-sdmf-private",
    "class-mdmf",
    "class-mdmf-absent",
    "class-mwi",
    "clip-setup",
    "clip-private",
    "clip-mwi-off",
]


def spandsp_audio(
    standard: CallerIdStandard,
    message_type: int,
    fields: list[tuple[int, bytes]],
    *,
    alert: bool = False,
    mark_bits: int = -1,
) -> np.ndarray:
    tx = AdsiTransmitter(SPANDSP_STANDARD[standard])
    if mark_bits >= 0:
        tx.set_preamble(-1, mark_bits, -1, -1)
    if alert:
        tx.send_alert_tone()
    tx.put_message(tx.build_message(message_type, fields))
    return tx.generate()


def decode(
    standard: CallerIdStandard, audio: np.ndarray
) -> list[tuple[DecodeStatus, CallerId | None]]:
    decoder = FskCallerIdDecoder(standard)
    results = []
    for start in range(0, audio.size, 160):
        results += [(r.status, r.caller_id) for r in decoder.feed(audio[start : start + 160])]
    return results


@pytest.mark.parametrize(("standard", "message_type", "fields", "cid"), SPANDSP_MESSAGES, ids=IDS)
def test_we_decode_spandsp_transmissions(
    standard: CallerIdStandard, message_type: int, fields: list[tuple[int, bytes]], cid: CallerId
) -> None:
    audio = spandsp_audio(standard, message_type, fields)
    assert decode(standard, np.concatenate((np.zeros(400, np.int16), audio))) == [
        (DecodeStatus.OK, cid)
    ]


@pytest.mark.parametrize("level", [-5.0, -35.0])
def test_we_decode_spandsp_over_a_noisy_line_with_180_marks_and_alert(level: float) -> None:
    fields = [(0x01, b"06150845"), (0x02, b"01632960000"), (0x07, b"HOLMES S")]
    audio = spandsp_audio(ETSI, 0x80, fields, alert=True, mark_bits=180)
    line = impair(audio, level=level, snr_db=20, offset_hz=10, rng=np.random.default_rng(2))
    assert decode(ETSI, line) == [
        (DecodeStatus.OK, CallerId(number="01632960000", name="HOLMES S", time=TIME))
    ]


@pytest.mark.parametrize(
    ("standard", "sdmf", "cid"),
    [
        (BELL, True, CallerId(number="2125551212", time=TIME)),
        (BELL, True, CallerId(message_waiting=False)),
        (BELL, False, CallerId(number="2125551212", name="DOE JANE", time=TIME)),
        (BELL, False, CallerId(number_absence=Absence.PRIVATE, name_absence=Absence.PRIVATE)),
        (ETSI, False, CallerId(number="01632960000", name="HOLMES S", time=TIME)),
        (ETSI, False, CallerId(message_waiting=True, message_count=4)),
    ],
    ids=[
        "class-sdmf",
        "class-sdmf-mwi",
        "class-mdmf",
        "class-mdmf-private",
        "clip-setup",
        "clip-mwi",
    ],
)
def test_spandsp_decodes_our_transmissions(
    standard: CallerIdStandard, sdmf: bool, cid: CallerId
) -> None:
    audio = encode_fsk(cid, standard, sdmf=sdmf)
    # spandsp's FSK receiver squelches below about -30 dBm0, so stay above that.
    line = impair(audio, level=-25, snr_db=20, offset_hz=-10, rng=np.random.default_rng(3))
    receiver = AdsiReceiver(SPANDSP_STANDARD[standard])
    for start in range(0, line.size, 160):
        receiver.feed(line[start : start + 160])
    # spandsp hands over the frame without its checksum, having verified it.
    assert receiver.messages == [caller_id_frame(cid, standard, sdmf=sdmf)[:-1]]
