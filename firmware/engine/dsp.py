"""The voice blocks the engine uses, shaped as media sources and per-call helpers."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import numpy as np

from firmware.engine.media import FRAME_SAMPLES
from voice.callerid import Absence, CallerId, CallTime, encode_caller_id
from voice.dtmf import DtmfGenerator
from voice.tones.generator import ToneGenerator

DIAL_DTMF_ON_MS = 80  # well above the 40 ms every exchange accepts, fast enough to feel quick
DIAL_DTMF_OFF_MS = 80
DIAL_DTMF_LEVEL_DBM0 = -7
DIAL_DTMF_TWIST_DB = 2
CALLER_NAME_MAX = 15  # what Bell and ETSI displays show


class ToneSource:
    """A call-progress tone as a channel source, phase-continuous frame after frame."""

    def __init__(self, spec: object) -> None:
        self._generator = ToneGenerator(spec)  # type: ignore[arg-type]

    def next_frame(self) -> np.ndarray:
        return self._generator.read(FRAME_SAMPLES)


class DtmfDialer:
    """DTMF audio for dialling out over an exchange line."""

    def samples(self, digits: str) -> np.ndarray:
        generator = DtmfGenerator(
            on_ms=DIAL_DTMF_ON_MS,
            off_ms=DIAL_DTMF_OFF_MS,
            level_dbm0=DIAL_DTMF_LEVEL_DBM0,
            twist_db=DIAL_DTMF_TWIST_DB,
        )
        generator.put(digits)
        chunks = []
        while not generator.done:
            chunks.append(generator.read(FRAME_SAMPLES))
        return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)


def caller_id_audio(
    standard: str, number: str, name: str, wall_time: float, timezone: str = "UTC"
) -> np.ndarray:
    """Caller-ID audio for a ringing phone: number, name and the local date and time."""
    local = dt.datetime.fromtimestamp(wall_time, zoneinfo.ZoneInfo(timezone))
    printable_number = "".join(ch for ch in number if ch.isascii() and ch.isprintable())
    printable_name = "".join(
        ch for ch in name if 0x20 <= ord(ch) <= 0x7E or 0xA0 <= ord(ch) <= 0xFF
    )[:CALLER_NAME_MAX]
    caller = CallerId(
        number=printable_number or None,
        number_absence=None if printable_number else Absence.UNAVAILABLE,
        name=printable_name or None,
        name_absence=None if printable_name or standard == "dtmf" else Absence.UNAVAILABLE,
        time=CallTime(local.month, local.day, local.hour, local.minute),
    )
    return encode_caller_id(caller, standard)
