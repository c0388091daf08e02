"""DTMF caller ID strings (the DTMF variants listed with ETSI EN 300 659-1).

- A…C: `A<number>C`; optional `D<redirecting number>` and `B<code>` fields; `B00C` means
  the number is unavailable, `B10C` that it is withheld (Belgium, Brazil, Denmark, Finland,
  India, the Netherlands, Sweden and others).
- D…C: `D<number>C` (Taiwan, Kuwait); absence uses the same `B00C` / `B10C` codes.
- A…#: `A<number>#`; `D1#` withheld, `D2#` international (no number), `D3#` unavailable.
  A bare `<number>#` (Denmark, the Netherlands) is understood too.
"""

from __future__ import annotations

import re
from enum import StrEnum

from .model import Absence, CallerId

TERMINATORS = "C#"
START_DIGITS = "ABD"


class DtmfFormat(StrEnum):
    """How the number is framed in DTMF digits."""

    A_C = "A…C"
    D_C = "D…C"
    A_HASH = "A…#"


class MalformedDtmfMessage(ValueError):
    """A terminated digit string that does not follow any DTMF caller-ID format."""


_C_ABSENCE_CODES = {"00": Absence.UNAVAILABLE, "10": Absence.PRIVATE}
_HASH_ABSENCE_CODES = {"1": Absence.PRIVATE, "2": Absence.UNAVAILABLE, "3": Absence.UNAVAILABLE}
_C_CODE_FOR = {absence: code for code, absence in _C_ABSENCE_CODES.items()}
_HASH_CODE_FOR = {Absence.PRIVATE: "1", Absence.UNAVAILABLE: "3"}
_FIELD = re.compile(r"([ABD]?)([0-9]*)")


def dtmf_string(caller_id: CallerId, fmt: DtmfFormat = DtmfFormat.A_C) -> str:
    """The digit string that announces `caller_id` in `fmt` (number or absence only)."""
    if caller_id.number is not None:
        if not caller_id.number.isdigit() or not caller_id.number.isascii():
            raise ValueError(
                f"DTMF caller ID carries digits only; {caller_id.number!r} has other characters"
            )
        start = "D" if fmt is DtmfFormat.D_C else "A"
        end = "#" if fmt is DtmfFormat.A_HASH else "C"
        return f"{start}{caller_id.number}{end}"
    if caller_id.number_absence is not None:
        if fmt is DtmfFormat.A_HASH:
            return f"D{_HASH_CODE_FOR[caller_id.number_absence]}#"
        return f"B{_C_CODE_FOR[caller_id.number_absence]}C"
    raise ValueError("DTMF caller ID needs a number or a number absence reason")


def parse_dtmf_string(digits: str) -> tuple[CallerId, DtmfFormat | None]:
    """The caller ID in a terminated digit string, and the format it was recognised as.

    The format is None for a bare `<number>#`. MalformedDtmfMessage if nothing fits.
    """
    if len(digits) < 2 or digits[-1] not in TERMINATORS:
        raise MalformedDtmfMessage(f"{digits!r} is not a terminated DTMF caller-ID string")
    body, terminator = digits[:-1], digits[-1]
    fields = _split(body)
    if terminator == "#":
        return _parse_hash(fields, digits)
    return _parse_c(fields, digits)


def _split(body: str) -> list[tuple[str, str]]:
    fields: list[tuple[str, str]] = []
    position = 0
    while position < len(body):
        match = _FIELD.match(body, position)
        if match is None or match.end() == position:
            raise MalformedDtmfMessage(f"unexpected {body[position]!r} in DTMF caller ID")
        fields.append((match.group(1), match.group(2)))
        position = match.end()
    return fields


def _parse_c(fields: list[tuple[str, str]], digits: str) -> tuple[CallerId, DtmfFormat | None]:
    kinds = [kind for kind, _ in fields]
    if len(set(kinds)) != len(kinds) or "" in kinds:
        raise MalformedDtmfMessage(f"{digits!r}: repeated or untyped field")
    values = dict(fields)
    if "A" in values:
        number, fmt = values["A"], DtmfFormat.A_C
    elif "D" in values:
        number, fmt = values["D"], DtmfFormat.D_C
    else:
        number, fmt = "", DtmfFormat.A_C
    absence: Absence | None = None
    if "B" in values:
        code = values["B"]
        if code not in _C_ABSENCE_CODES:
            raise MalformedDtmfMessage(f"{digits!r}: unknown special information code {code!r}")
        absence = _C_ABSENCE_CODES[code]
    if number and absence is None:
        return CallerId(number=number), fmt
    if absence is not None and not number:
        return CallerId(number_absence=absence), fmt
    raise MalformedDtmfMessage(f"{digits!r} holds neither exactly a number nor an absence code")


def _parse_hash(fields: list[tuple[str, str]], digits: str) -> tuple[CallerId, DtmfFormat | None]:
    if len(fields) != 1:
        raise MalformedDtmfMessage(f"{digits!r}: '#'-terminated caller ID has one field")
    kind, value = fields[0]
    if kind == "A" and value:
        return CallerId(number=value), DtmfFormat.A_HASH
    if kind == "D" and value in _HASH_ABSENCE_CODES:
        return CallerId(number_absence=_HASH_ABSENCE_CODES[value]), DtmfFormat.A_HASH
    if kind == "" and value:
        return CallerId(number=value), None
    raise MalformedDtmfMessage(f"{digits!r} is not a '#'-terminated caller ID")
