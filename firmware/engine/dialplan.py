"""What a string of dialled digits means: an extension, a feature, an outside number.

`DialPlan.match(digits)` answers after every digit, so line supervision can act the moment
a number is complete (no waiting for the inter-digit timeout on an extension) and can refuse
a number as soon as no entry can start with it. `#` at the end of a number that is not
itself an entry means "dial now": the number is judged as if the caller had stopped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum


class Action(Enum):
    EXTENSION = "extension"
    OUTBOUND = "outbound"
    PICKUP_GROUP = "pickup_group"
    PICKUP_DIRECTED = "pickup_directed"
    DND_ON = "dnd_on"
    DND_OFF = "dnd_off"
    SERVICE = "service"  # a code routing serves (agent log-in/out, voicemail boxes)


class Verdict(Enum):
    COMPLETE = "complete"  # act now
    INCOMPLETE = "incomplete"  # wait for more digits
    AMBIGUOUS = "ambiguous"  # a valid number that a longer one also starts with: act on timeout
    INVALID = "invalid"  # nothing can start with these digits


@dataclass(frozen=True)
class Match:
    verdict: Verdict
    action: Action | None = None
    target: str = ""  # extension number, outside number, or the feature code dialled


OUTSIDE_NUMBER_MAX_DIGITS = 20  # longer than any international number (E.164: 15)
DIAL_NOW_KEY = "#"


@dataclass(frozen=True)
class DialPlan:
    extensions: frozenset[str]
    outbound_prefix: str
    feature_codes: dict[str, Action]  # code → action (directed pickup: code + extension)
    directed_pickup_code: str
    emergency_numbers: frozenset[str] = frozenset()  # go straight out, no prefix needed

    @classmethod
    def build(
        cls,
        extensions: Iterable[str],
        outbound_prefix: str,
        feature_codes: dict[str, str],
        emergency_numbers: Iterable[str] = (),
        service_codes: Iterable[str] = (),
    ) -> DialPlan:
        """From the config: feature_codes maps action names (as in Action) to codes;
        service_codes are the codes routing serves."""
        codes = dict.fromkeys(service_codes, Action.SERVICE)
        codes.update({code: Action(name) for name, code in feature_codes.items()})
        directed = next(code for code, action in codes.items() if action is Action.PICKUP_DIRECTED)
        return cls(
            frozenset(extensions), outbound_prefix, codes, directed, frozenset(emergency_numbers)
        )

    def match(self, digits: str, *, timed_out: bool = False) -> Match:
        """Judge `digits` so far; `timed_out` means the caller stopped dialling."""
        if not digits:
            return Match(Verdict.INCOMPLETE)
        if (
            digits.endswith(DIAL_NOW_KEY)
            and len(digits) > 1
            and self._entry(digits) is None
            and not self._continues(digits)
        ):
            return self._judge(digits[: -len(DIAL_NOW_KEY)], final=True)
        return self._judge(digits, final=timed_out)

    def _judge(self, digits: str, *, final: bool) -> Match:
        # Emergency numbers work as people dial them anywhere, with or without the prefix.
        if digits in self.emergency_numbers:
            return Match(Verdict.COMPLETE, Action.OUTBOUND, digits)
        if not final and any(
            number != digits and number.startswith(digits) for number in self.emergency_numbers
        ):
            entry = self._entry(digits)
            if entry is None:
                return Match(Verdict.INCOMPLETE)
            return Match(Verdict.AMBIGUOUS, entry.action, entry.target)
        if self.outbound_prefix and digits.startswith(self.outbound_prefix):
            number = digits[len(self.outbound_prefix) :]
            if number and not number.isdigit():
                return Match(Verdict.INVALID)
            if len(number) >= OUTSIDE_NUMBER_MAX_DIGITS or (final and number):
                return Match(Verdict.COMPLETE, Action.OUTBOUND, number)
            return Match(Verdict.INVALID if final else Verdict.INCOMPLETE)
        entry = self._entry(digits)
        continues = not final and self._continues(digits)
        if entry is not None:
            return Match(Verdict.AMBIGUOUS, entry.action, entry.target) if continues else entry
        return Match(Verdict.INCOMPLETE if continues else Verdict.INVALID)

    def _entry(self, digits: str) -> Match | None:
        """The entry these digits are exactly, if any."""
        action = self.feature_codes.get(digits)
        if action is not None and action is not Action.PICKUP_DIRECTED:
            return Match(Verdict.COMPLETE, action, digits if action is Action.SERVICE else "")
        if digits in self.extensions:
            return Match(Verdict.COMPLETE, Action.EXTENSION, digits)
        code = self.directed_pickup_code
        if digits.startswith(code) and digits[len(code) :] in self.extensions:
            return Match(Verdict.COMPLETE, Action.PICKUP_DIRECTED, digits[len(code) :])
        return None

    def _continues(self, digits: str) -> bool:
        """Whether some longer entry starts with these digits."""
        code = self.directed_pickup_code
        longer = [
            *self.extensions,
            *(c for c, a in self.feature_codes.items() if a is not Action.PICKUP_DIRECTED),
            *(code + extension for extension in self.extensions),
            self.outbound_prefix,
        ]
        return any(len(entry) > len(digits) and entry.startswith(digits) for entry in longer)
