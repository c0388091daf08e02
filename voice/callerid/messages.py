"""Caller-ID data messages carried by FSK: Bell SDMF/MDMF and ETSI EN 300 659-3.

A frame is: message type, payload length, payload, checksum (the two's complement of the
modulo-256 sum of everything before it). MDMF and ETSI payloads are a list of parameters
(type, length, value); SDMF payloads are fixed: MMDDHHMM then the number or one absence
code. Parsing refuses anything that does not follow the format instead of guessing.
"""

from __future__ import annotations

from .model import Absence, CallerId, CallerIdStandard, CallTime

# Message types.
SDMF_CALLER_ID = 0x04
SDMF_MESSAGE_WAITING = 0x06
MDMF_CALLER_ID = 0x80  # ETSI: call set-up
MDMF_MESSAGE_WAITING = 0x82  # ETSI: message waiting indicator
SUPPORTED_TYPES = frozenset(
    {SDMF_CALLER_ID, SDMF_MESSAGE_WAITING, MDMF_CALLER_ID, MDMF_MESSAGE_WAITING}
)

# MDMF / ETSI parameter types.
PARAM_DATE_TIME = 0x01
PARAM_NUMBER = 0x02
PARAM_DIALLED_NUMBER = 0x03
PARAM_NUMBER_ABSENCE = 0x04
PARAM_NAME = 0x07
PARAM_NAME_ABSENCE = 0x08
PARAM_VISUAL_INDICATOR = 0x0B
PARAM_MESSAGE_COUNT = 0x13

# SDMF message-waiting payloads (three repeated octets).
SDMF_MWI_ON = bytes([0x42] * 3)
SDMF_MWI_OFF = bytes([0x6F] * 3)
VISUAL_INDICATOR_ON = 0xFF
VISUAL_INDICATOR_OFF = 0x00

MAX_PAYLOAD_BYTES = 255


class MalformedMessage(ValueError):
    """A frame whose checksum is right but whose content breaks the message format."""


def checksum(body: bytes) -> int:
    """The check octet for `body` (type, length and payload)."""
    return (-sum(body)) & 0xFF


def checksum_ok(frame: bytes) -> bool:
    """True when the frame's octets, checksum included, sum to zero modulo 256."""
    return len(frame) >= 3 and sum(frame) & 0xFF == 0


def build_frame(message_type: int, payload: bytes) -> bytes:
    """Type, length, payload and checksum."""
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise ValueError(f"caller-ID payload of {len(payload)} octets exceeds 255")
    body = bytes([message_type, len(payload)]) + payload
    return body + bytes([checksum(body)])


def caller_id_frame(
    caller_id: CallerId, standard: CallerIdStandard, *, sdmf: bool = False
) -> bytes:
    """The frame that carries `caller_id` in `standard` (SDMF only for Bell 202)."""
    if standard is CallerIdStandard.DTMF:
        raise ValueError("DTMF caller ID has no FSK frame; use voice.callerid.dtmf_format")
    if sdmf and standard is not CallerIdStandard.BELL202:
        raise ValueError("SDMF exists only in Bell 202 caller ID; ETSI uses MDMF parameters")
    if caller_id.is_message_waiting:
        if sdmf:
            return build_frame(
                SDMF_MESSAGE_WAITING, SDMF_MWI_ON if caller_id.message_waiting else SDMF_MWI_OFF
            )
        return build_frame(MDMF_MESSAGE_WAITING, _mdmf_payload(caller_id))
    if sdmf:
        return build_frame(SDMF_CALLER_ID, _sdmf_payload(caller_id))
    return build_frame(MDMF_CALLER_ID, _mdmf_payload(caller_id))


def _sdmf_payload(caller_id: CallerId) -> bytes:
    if caller_id.time is None:
        raise ValueError("an SDMF caller ID always carries the call time; set CallerId.time")
    if caller_id.name is not None or caller_id.name_absence is not None:
        raise ValueError("SDMF cannot carry a name; use MDMF (sdmf=False)")
    if caller_id.number is not None:
        if not caller_id.number.isdigit():
            raise ValueError(f"SDMF numbers are digits only, got {caller_id.number!r}")
        tail = caller_id.number
    elif caller_id.number_absence is not None:
        tail = caller_id.number_absence.value
    else:
        raise ValueError("an SDMF caller ID needs a number or a number absence reason")
    return (caller_id.time.digits() + tail).encode("ascii")


def _mdmf_payload(caller_id: CallerId) -> bytes:
    params: list[tuple[int, bytes]] = []
    if caller_id.time is not None:
        params.append((PARAM_DATE_TIME, caller_id.time.digits().encode("ascii")))
    if caller_id.number is not None:
        params.append((PARAM_NUMBER, caller_id.number.encode("ascii")))
    if caller_id.number_absence is not None:
        params.append((PARAM_NUMBER_ABSENCE, caller_id.number_absence.value.encode("ascii")))
    if caller_id.name is not None:
        params.append((PARAM_NAME, caller_id.name.encode("latin-1")))
    if caller_id.name_absence is not None:
        params.append((PARAM_NAME_ABSENCE, caller_id.name_absence.value.encode("ascii")))
    if caller_id.message_waiting is not None:
        indicator = VISUAL_INDICATOR_ON if caller_id.message_waiting else VISUAL_INDICATOR_OFF
        params.append((PARAM_VISUAL_INDICATOR, bytes([indicator])))
    if caller_id.message_count is not None:
        params.append((PARAM_MESSAGE_COUNT, bytes([caller_id.message_count])))
    if not params:
        raise ValueError("caller ID is empty: set a number, name, absence reason or time")
    payload = bytearray()
    for kind, value in params:
        if len(value) > MAX_PAYLOAD_BYTES:
            raise ValueError(f"caller-ID parameter 0x{kind:02X} is longer than 255 octets")
        payload += bytes([kind, len(value)]) + value
    return bytes(payload)


def parse_frame(frame: bytes) -> CallerId:
    """Decode a checksum-verified frame; MalformedMessage if its content is not valid."""
    if len(frame) < 3 or frame[1] != len(frame) - 3:
        raise MalformedMessage("frame length does not match its length octet")
    message_type, payload = frame[0], frame[2:-1]
    if message_type == SDMF_CALLER_ID:
        return _parse_sdmf(payload)
    if message_type == SDMF_MESSAGE_WAITING:
        if payload == SDMF_MWI_ON:
            return CallerId(message_waiting=True)
        if payload == SDMF_MWI_OFF:
            return CallerId(message_waiting=False)
        raise MalformedMessage("SDMF message-waiting payload is neither on nor off")
    if message_type in (MDMF_CALLER_ID, MDMF_MESSAGE_WAITING):
        return _parse_mdmf(payload, message_waiting=message_type == MDMF_MESSAGE_WAITING)
    raise MalformedMessage(f"message type 0x{message_type:02X} is not a caller-ID message")


def _parse_sdmf(payload: bytes) -> CallerId:
    if len(payload) < 9:
        raise MalformedMessage("SDMF caller ID is shorter than time plus one character")
    time = _parse_time(payload[:8])
    tail = payload[8:]
    if tail in (b"O", b"P"):
        return CallerId(time=time, number_absence=Absence(tail.decode("ascii")))
    if not (tail.isdigit() and tail.isascii()):
        raise MalformedMessage("SDMF number holds characters other than digits")
    return CallerId(time=time, number=tail.decode("ascii"))


def _parse_time(raw: bytes) -> CallTime:
    try:
        return CallTime.from_digits(raw.decode("ascii"))
    except (UnicodeDecodeError, ValueError) as error:
        raise MalformedMessage(f"bad date/time field: {error}") from error


def _parse_absence(raw: bytes) -> Absence:
    if raw not in (b"O", b"P"):
        raise MalformedMessage(f"absence reason {raw!r} is neither 'O' nor 'P'")
    return Absence(raw.decode("ascii"))


def _parse_mdmf(payload: bytes, *, message_waiting: bool) -> CallerId:
    fields: dict[str, object] = {}
    position = 0
    while position < len(payload):
        if position + 2 > len(payload):
            raise MalformedMessage("parameter header runs past the end of the message")
        kind, length = payload[position], payload[position + 1]
        value = payload[position + 2 : position + 2 + length]
        if len(value) != length:
            raise MalformedMessage(f"parameter 0x{kind:02X} runs past the end of the message")
        position += 2 + length
        if kind == PARAM_DATE_TIME:
            fields["time"] = _parse_time(value)
        elif kind == PARAM_NUMBER:
            fields["number"] = _text(value, "number", latin1=False)
        elif kind == PARAM_NUMBER_ABSENCE:
            fields["number_absence"] = _parse_absence(value)
        elif kind == PARAM_NAME:
            fields["name"] = _text(value, "name", latin1=True)
        elif kind == PARAM_NAME_ABSENCE:
            fields["name_absence"] = _parse_absence(value)
        elif kind == PARAM_VISUAL_INDICATOR:
            if length != 1:
                raise MalformedMessage("visual indicator must be one octet")
            fields["message_waiting"] = value[0] != VISUAL_INDICATOR_OFF
        elif kind == PARAM_MESSAGE_COUNT:
            if length != 1:
                raise MalformedMessage("message count must be one octet")
            fields["message_count"] = value[0]
        # Other parameters (dialled number, call type, ...) are legal and skipped.
    if message_waiting and "message_waiting" not in fields:
        # ETSI allows a waiting indication carried by the message count alone.
        fields["message_waiting"] = bool(fields.get("message_count", 1))
    try:
        return CallerId(**fields)  # type: ignore[arg-type]
    except ValueError as error:
        raise MalformedMessage(str(error)) from error


def _text(raw: bytes, what: str, *, latin1: bool) -> str:
    text = raw.decode("latin-1")
    allowed = (
        (lambda ch: 0x20 <= ord(ch) <= 0x7E or ord(ch) >= 0xA0)
        if latin1
        else (lambda ch: 0x20 <= ord(ch) <= 0x7E)
    )
    if not all(allowed(ch) for ch in text):
        raise MalformedMessage(f"{what} holds control or non-printable characters")
    return text
