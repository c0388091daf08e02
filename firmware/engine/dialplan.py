"""What a string of dialled digits means: an extension, a feature, an outside number.

`DialPlan.match(digits)` answers after every digit, so line supervision can act the moment
a number is complete (no waiting for the inter-digit timeout on an extension) and can refuse
a number as soon as no entry can start with it.
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


class Verdict(Enum):
    COMPLETE = "complete"  # act now
    INCOMPLETE = "incomplete"  # wait for more digits
    AMBIGUOUS = "ambiguous"  # a valid number that a longer one also starts with: act on timeout
    INVALID = "invalid"  # nothing can start with these digits


@dataclass(frozen=True)
class Match:
    verdict: Verdict
    action: Action | None = None
    target: str = ""  # extension number or outside number


OUTSIDE_NUMBER_MAX_DIGITS = 20
DIAL_NOW_KEY = "#"


@dataclass(frozen=True)
class DialPlan:
    extensions: frozenset[str]
    outbound_prefix: str
    feature_codes: dict[str, Action]  # code → action
    directed_pickup_code: str

    @classmethod
    def build(
        cls,
        extensions: Iterable[str],
        outbound_prefix: str,
        feature_codes: dict[str, str],
    ) -> DialPlan:
        """From the config: feature_codes maps action names (as in Action) to codes."""
        codes = {code: Action(name) for name, code in feature_codes.items()}
        directed = next(code for code, action in codes.items() if action is Action.PICKUP_DIRECTED)
        return cls(frozenset(extensions), outbound_prefix, codes, directed)

    def match(self, digits: str, *, timed_out: bool = False) -> Match:
        """Judge `digits` so far; `timed_out` means the caller stopped dialling."""
        if not digits:
            return Match(Verdict.INCOMPLETE)
        dial_now = digits.endswith(DIAL_NOW_KEY) and len(digits) > 1
        if dial_now:
            digits = digits[:-1]
        final = timed_out or dial_now

        if digits.startswith(self.directed_pickup_code):
            target = digits[len(self.directed_pickup_code) :]
            return self._extension_after_code(Action.PICKUP_DIRECTED, target, final)
        for code, action in self.feature_codes.items():
            if action is Action.PICKUP_DIRECTED:
                continue
            if digits == code:
                return Match(Verdict.COMPLETE, action)
        if digits.startswith(self.outbound_prefix):
            number = digits[len(self.outbound_prefix) :]
            if not number.isdigit() and number:
                return Match(Verdict.INVALID)
            if len(number) >= OUTSIDE_NUMBER_MAX_DIGITS or (final and number):
                return Match(Verdict.COMPLETE, Action.OUTBOUND, number)
            return Match(Verdict.INVALID if final else Verdict.INCOMPLETE)
        if digits in self.extensions:
            longer = any(e != digits and e.startswith(digits) for e in self.extensions)
            if longer and not final:
                return Match(Verdict.AMBIGUOUS, Action.EXTENSION, digits)
            return Match(Verdict.COMPLETE, Action.EXTENSION, digits)
        could_continue = any(e.startswith(digits) for e in self.extensions) or any(
            code.startswith(digits) for code in self.feature_codes
        )
        if could_continue and not final:
            return Match(Verdict.INCOMPLETE)
        return Match(Verdict.INVALID)

    def _extension_after_code(self, action: Action, target: str, final: bool) -> Match:
        if target in self.extensions:
            longer = any(e != target and e.startswith(target) for e in self.extensions)
            if longer and not final:
                return Match(Verdict.AMBIGUOUS, action, target)
            return Match(Verdict.COMPLETE, action, target)
        if not final and any(e.startswith(target) for e in self.extensions):
            return Match(Verdict.INCOMPLETE)
        return Match(Verdict.INVALID)
