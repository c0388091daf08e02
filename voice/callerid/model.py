"""What caller ID carries, and what a decoder reports.

`CallerId` is the same for every signalling standard; a standard may carry only part of it
(DTMF carries no name or time, SDMF no name). `CallerIdResult` is one decoded (or failed)
message together with the standard it was heard in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

MONTHS = range(1, 13)
DAYS = range(1, 32)
HOURS = range(0, 24)
MINUTES = range(0, 60)


class CallerIdStandard(StrEnum):
    """Caller-ID signalling; the values are the names country profiles use."""

    BELL202 = "bell202"
    ETSI_FSK = "etsi_fsk"
    DTMF = "dtmf"

    @property
    def description(self) -> str:
        """How the standard is named to a user, e.g. by the CLI."""
        return _DESCRIPTIONS[self]


_DESCRIPTIONS = {
    CallerIdStandard.BELL202: "Bell 202 FSK (Telcordia GR-30)",
    CallerIdStandard.ETSI_FSK: "V.23 FSK (ETSI EN 300 659)",
    CallerIdStandard.DTMF: "DTMF (ETSI EN 300 659 DTMF variants)",
}


class Absence(StrEnum):
    """Why a number or name is not presented; the values are the on-line codes."""

    UNAVAILABLE = "O"  # out of area / not available
    PRIVATE = "P"  # withheld by the caller


@dataclass(frozen=True)
class CallTime:
    """Month, day, hour and minute of the call, as the exchange sends them (no year)."""

    month: int
    day: int
    hour: int
    minute: int

    def __post_init__(self) -> None:
        for name, allowed in (
            ("month", MONTHS),
            ("day", DAYS),
            ("hour", HOURS),
            ("minute", MINUTES),
        ):
            value = getattr(self, name)
            if value not in allowed:
                raise ValueError(
                    f"call time {name} {value} is outside {allowed.start}..{allowed.stop - 1}"
                )

    def digits(self) -> str:
        """The eight-digit MMDDHHMM form used on the line."""
        return f"{self.month:02d}{self.day:02d}{self.hour:02d}{self.minute:02d}"

    @classmethod
    def from_digits(cls, text: str) -> CallTime:
        """Parse MMDDHHMM; ValueError if it is not eight digits of a real date and time."""
        if len(text) != 8 or not text.isdigit() or not text.isascii():
            raise ValueError(f"call time must be eight digits MMDDHHMM, got {text!r}")
        return cls(int(text[0:2]), int(text[2:4]), int(text[4:6]), int(text[6:8]))


@dataclass(frozen=True)
class CallerId:
    """Calling party information delivered to an on-hook or ringing line."""

    number: str | None = None
    name: str | None = None
    time: CallTime | None = None
    number_absence: Absence | None = None
    name_absence: Absence | None = None
    message_waiting: bool | None = None  # visual message-waiting indicator on/off
    message_count: int | None = None  # ETSI: number of messages waiting

    def __post_init__(self) -> None:
        if self.number is not None and self.number_absence is not None:
            raise ValueError("a caller ID has either a number or a number absence reason")
        if self.name is not None and self.name_absence is not None:
            raise ValueError("a caller ID has either a name or a name absence reason")
        if self.number is not None and not _printable(self.number):
            raise ValueError(f"caller number {self.number!r} must be printable ASCII")
        if self.name is not None and not _printable_latin1(self.name):
            raise ValueError(f"caller name {self.name!r} must be printable Latin-1 text")
        if self.message_count is not None and not 0 <= self.message_count <= 255:
            raise ValueError("message_count must be 0..255")

    @property
    def is_message_waiting(self) -> bool:
        """True for a message-waiting notification rather than a call."""
        return self.message_waiting is not None


def _printable(text: str) -> bool:
    return text.isascii() and text.isprintable()


def _printable_latin1(text: str) -> bool:
    return all(0x20 <= ord(ch) <= 0x7E or 0xA0 <= ord(ch) <= 0xFF for ch in text)


class DecodeStatus(StrEnum):
    """Outcome of one received message."""

    OK = "ok"
    CHECKSUM_ERROR = "checksum error"  # the message arrived whole but its checksum is wrong
    FRAMING_ERROR = "framing error"  # a character lost its stop bit: the data is not trusted
    TRUNCATED = "truncated"  # the signal stopped before the message was complete
    MALFORMED = "malformed"  # the checksum is right but the content breaks the format


@dataclass(frozen=True)
class CallerIdResult:
    """One message heard on the line: the caller ID, or why there is none."""

    standard: CallerIdStandard
    status: DecodeStatus
    caller_id: CallerId | None = None  # set only when status is OK
    raw: bytes = b""  # FSK: type, length, payload, checksum; DTMF: the digit string
    message_type: int | None = None  # FSK message type byte
    detail: str = ""
    mark_hz: float | None = None  # FSK: measured mark tone, what tells Bell 202 from V.23
    sample: int = field(default=0, compare=False)  # decoder-local sample index at the end

    @property
    def ok(self) -> bool:
        return self.status is DecodeStatus.OK

    def summary(self) -> str:
        """One line for a log or the CLI: the standard heard, then the caller or the fault."""
        if self.caller_id is None:
            return f"{self.standard.description}: {self.status.value}"
        cid = self.caller_id
        parts: list[str] = []
        if cid.number is not None:
            parts.append(cid.number)
        elif cid.number_absence is not None:
            parts.append(_ABSENCE_WORDS[cid.number_absence] + " number")
        if cid.name is not None:
            parts.append(f'"{cid.name}"')
        elif cid.name_absence is not None:
            parts.append(_ABSENCE_WORDS[cid.name_absence] + " name")
        if cid.time is not None:
            t = cid.time
            parts.append(f"{t.month:02d}-{t.day:02d} {t.hour:02d}:{t.minute:02d}")
        if cid.message_waiting is not None:
            waiting = "messages waiting" if cid.message_waiting else "no messages waiting"
            if cid.message_count is not None:
                waiting += f" ({cid.message_count})"
            parts.append(waiting)
        return f"{self.standard.description}: {' '.join(parts)}"


_ABSENCE_WORDS = {Absence.UNAVAILABLE: "unavailable", Absence.PRIVATE: "withheld"}
