"""DTMF signalling: the receiver (ITU-T Q.24, AT&T values) and the generator.

Use this module; `dtmf_rx` and `dtmf_tx` hold the two halves.

    receiver = DtmfReceiver()
    for event in receiver.feed(frame):       # any block length
        if not event.ended: ...              # digit started: stop dial tone now
        else: ...                            # digit ended: event.duration_ms

    generator = DtmfGenerator(on_ms=70, off_ms=70, level_dbm0=-6, twist_db=2)
    generator.put("A1234567890C")
    frame = generator.read(160)              # until generator.done
"""

from voice.dtmf_rx import DtmfEvent, DtmfReceiver, decode
from voice.dtmf_tx import (
    COLUMN_FREQUENCIES_HZ,
    DIGITS,
    KEYPAD,
    PAUSE_CHARACTER,
    ROW_FREQUENCIES_HZ,
    DtmfGenerator,
    digit_frequencies,
)

__all__ = [
    "COLUMN_FREQUENCIES_HZ",
    "DIGITS",
    "KEYPAD",
    "PAUSE_CHARACTER",
    "ROW_FREQUENCIES_HZ",
    "DtmfEvent",
    "DtmfGenerator",
    "DtmfReceiver",
    "decode",
    "digit_frequencies",
]
