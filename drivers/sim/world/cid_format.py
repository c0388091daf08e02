"""Caller-ID messages as the exchange formats them and the phone's display reads them.

FSK messages (Bellcore GR-30 CLASS and ETSI EN 300 659-3): a type octet, a length octet,
the data, and a checksum making the octets sum to zero modulo 256. Single data message
format (SDMF, type 0x04) carries "MMDDHHMM" then the number; multiple data message format
(MDMF, 0x80 call setup, 0x82 message waiting) carries parameters as type, length, value.
DTMF caller ID (ETSI annex / national variants) is a digit string such as "A5551234C".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Message types.
SDMF_CALLER_ID = 0x04
SDMF_MESSAGE_WAITING = 0x06
MDMF_CALL_SETUP = 0x80
MDMF_MESSAGE_WAITING = 0x82
# MDMF parameter types.
PARAM_DATE_TIME = 0x01
PARAM_NUMBER = 0x02
PARAM_NUMBER_ABSENT = 0x04
PARAM_NAME = 0x07
PARAM_NAME_ABSENT = 0x08
PARAM_VISUAL_INDICATOR = 0x0B
PARAM_MESSAGE_COUNT = 0x13
PARAM_CALL_TYPE = 0x11
# SDMF message waiting: three repeated octets.
SDMF_MWI_ON = 0x42
SDMF_MWI_OFF = 0x6F
MWI_ON = 0xFF
MWI_OFF = 0x00
ABSENCE_REASONS = {"O": "unavailable", "P": "private"}
MAX_NUMBER_DIGITS = 20
MAX_NAME_CHARACTERS = 15  # Bellcore displays; ETSI allows up to 50


@dataclass(frozen=True)
class DisplayedCallerId:
    """What a caller-ID display shows for one received message."""

    number: str | None
    name: str | None
    time: str | None  # "MMDDHHMM" as sent, local time of the exchange
    standard: str  # "bell202", "etsi_fsk" or "dtmf"
    absence: str | None = None  # "unavailable" or "private" when no number is given
    message_type: int | str = SDMF_CALLER_ID  # FSK type octet, or "dtmf"
    received_at: float = 0.0  # virtual time the message ended


@dataclass(frozen=True)
class MessageWaiting:
    active: bool
    count: int | None = None


def checksum(octets: bytes) -> int:
    """Octet that makes the message sum to zero modulo 256."""
    return -sum(octets) & 0xFF


def frame(message_type: int, body: bytes) -> bytes:
    """Type, length, body and checksum of one FSK message."""
    if len(body) > 255:
        raise ValueError("caller-ID message body longer than 255 octets")
    head = bytes([message_type, len(body)]) + body
    return head + bytes([checksum(head)])


def _parameter(kind: int, value: bytes) -> bytes:
    return bytes([kind, len(value)]) + value


def _check_number(number: str) -> bytes:
    if not number or len(number) > MAX_NUMBER_DIGITS or not number.isascii():
        raise ValueError(f"caller number {number!r} must be 1-{MAX_NUMBER_DIGITS} ASCII digits")
    return number.encode("ascii")


def call_setup_message(
    number: str | None,
    name: str | None,
    when: str,
    *,
    sdmf: bool = False,
    absence: str = "O",
) -> bytes:
    """A framed caller-ID message; `when` is "MMDDHHMM", `absence` "O" or "P" if no number."""
    if len(when) != 8 or not when.isdigit():
        raise ValueError(f"caller-ID time {when!r} must be MMDDHHMM")
    if sdmf:
        if name:
            raise ValueError("a single data message cannot carry a name; use MDMF")
        body = when.encode("ascii") + (_check_number(number) if number else absence.encode())
        return frame(SDMF_CALLER_ID, body)
    body = _parameter(PARAM_DATE_TIME, when.encode("ascii"))
    if number:
        body += _parameter(PARAM_NUMBER, _check_number(number))
    else:
        body += _parameter(PARAM_NUMBER_ABSENT, absence.encode("ascii"))
    if name:
        body += _parameter(PARAM_NAME, name.encode("latin-1", "replace")[:50])
    return frame(MDMF_CALL_SETUP, body)


def message_waiting_message(active: bool, *, count: int | None = None, sdmf: bool = False) -> bytes:
    """A framed visual message-waiting indication (on or off)."""
    if sdmf:
        octet = SDMF_MWI_ON if active else SDMF_MWI_OFF
        return frame(SDMF_MESSAGE_WAITING, bytes([octet] * 3))
    body = _parameter(PARAM_VISUAL_INDICATOR, bytes([MWI_ON if active else MWI_OFF]))
    if count is not None and active:
        body += _parameter(PARAM_MESSAGE_COUNT, bytes([min(count, 255)]))
    return frame(MDMF_MESSAGE_WAITING, body)


def split_messages(characters: bytes) -> list[bytes]:
    """Complete messages (type, length, body; checksum verified and removed) in a run."""
    messages = []
    position = 0
    while position + 3 <= len(characters):
        length = characters[position + 1]
        end = position + 2 + length
        if end >= len(characters):
            break
        if checksum(characters[position:end]) == characters[end]:
            messages.append(characters[position:end])
            position = end + 1
        else:
            position += 1
    return messages


def _text(value: bytes) -> str:
    return value.decode("latin-1").strip()


def parse_message(
    message: bytes, standard: str, at: float
) -> DisplayedCallerId | MessageWaiting | None:
    """Interpret one checked FSK message (type, length, body)."""
    kind, body = message[0], message[2:]
    if kind == SDMF_CALLER_ID:
        when, rest = _text(body[:8]), _text(body[8:])
        if rest in ABSENCE_REASONS:
            return DisplayedCallerId(None, None, when, standard, ABSENCE_REASONS[rest], kind, at)
        return DisplayedCallerId(rest or None, None, when, standard, None, kind, at)
    if kind == SDMF_MESSAGE_WAITING:
        return MessageWaiting(body[:1] == bytes([SDMF_MWI_ON]))
    if kind not in (MDMF_CALL_SETUP, MDMF_MESSAGE_WAITING):
        return None
    fields: dict[int, bytes] = {}
    position = 0
    while position + 2 <= len(body):
        size = body[position + 1]
        fields[body[position]] = body[position + 2 : position + 2 + size]
        position += 2 + size
    if kind == MDMF_MESSAGE_WAITING:
        indicator = fields.get(PARAM_VISUAL_INDICATOR, b"\x00")
        count = fields.get(PARAM_MESSAGE_COUNT)
        return MessageWaiting(indicator[:1] == bytes([MWI_ON]), count[0] if count else None)
    absence = fields.get(PARAM_NUMBER_ABSENT)
    name_absent = fields.get(PARAM_NAME_ABSENT)
    return DisplayedCallerId(
        number=_text(fields[PARAM_NUMBER]) if PARAM_NUMBER in fields else None,
        name=_text(fields[PARAM_NAME]) if PARAM_NAME in fields else None,
        time=_text(fields[PARAM_DATE_TIME]) if PARAM_DATE_TIME in fields else None,
        standard=standard,
        absence=ABSENCE_REASONS.get(_text(absence or name_absent or b"")),
        message_type=kind,
        received_at=at,
    )


def dtmf_caller_id_string(number: str | None, *, absence: str = "O") -> str:
    """Digit string for DTMF caller ID: "A<number>C", or "B00C"/"B10C" when withheld."""
    if number is None:
        return "B10C" if absence == "P" else "B00C"
    if not number.isdigit() or len(number) > MAX_NUMBER_DIGITS:
        raise ValueError(f"DTMF caller ID carries digits only, got {number!r}")
    return f"A{number}C"


_DTMF_ABSENCE = {"00": "unavailable", "10": "private", "1": "private", "2": "unavailable"}
_DTMF_FIELD = re.compile(r"([A-D])(\d*)")
_DTMF_FIELDS = re.compile(r"(?:[A-D]\d*)+")


def parse_dtmf_caller_id(digits: str, at: float) -> DisplayedCallerId | None:
    """Read a DTMF caller-ID string in any of the common variants.

    "A<num>[D<redirect>][B<code>]C", "A<num>#", "D<n>#" (number withheld), "D<num>C"
    (Taiwan/Kuwait) and "<num>#" (Denmark/Netherlands).
    """
    if len(digits) < 2 or digits[-1] not in "C#":
        return None
    text = digits[:-1]
    if text[0].isdigit():
        text = "A" + text
    if not _DTMF_FIELDS.fullmatch(text):
        return None
    fields: dict[str, str] = {}
    for match in _DTMF_FIELD.finditer(text):
        fields.setdefault(match[1], match[2])
    number = fields.get("A")
    absence = None
    if "D" in fields and digits[-1] == "C" and "A" not in fields:
        number = fields["D"]  # D<number>C variant
    elif "D" in fields and digits[-1] == "#":
        absence = _DTMF_ABSENCE.get(fields["D"], "unavailable")
    if "B" in fields:
        absence = _DTMF_ABSENCE.get(fields["B"], "unavailable")
    if not number and not absence:
        return None
    return DisplayedCallerId(number or None, None, None, "dtmf", absence, "dtmf", at)
