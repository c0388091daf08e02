"""Whether an answered call is recorded, and for whom: the config's recording rules.

A rule names an employee (their extension: calls they answer), a call centre (calls one of
its members answers) or an inbound route (the exchange line's port, e.g. "4", or the number
dialled). The first rule that matches decides whose recording it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from firmware.routing.inbound import line_port
from firmware.routing.journal import CallJournal
from firmware.routing.numbers import number_key
from firmware.verbs import CallView, OfferOutcome


class Rule(Protocol):
    @property
    def scope(self) -> str: ...

    @property
    def target(self) -> str: ...


def recording_owner(rules: Sequence[Rule], call: CallView, journal: CallJournal) -> str:
    """The target of the first rule this answered call matches; "" when none does."""
    answered = [a for a in journal.attempts if a.outcome == OfferOutcome.ANSWERED]
    member = answered[-1].member if answered else ""
    call_centre = answered[-1].call_centre if answered else ""
    port = line_port(call.line)
    for rule in rules:
        if rule.scope == "employee" and member and rule.target == member:
            return rule.target
        if rule.scope == "call_centre" and call_centre and rule.target == call_centre:
            return rule.target
        if rule.scope == "inbound_route" and call.line and _is_route(rule.target, call, port):
            return rule.target
    return ""


def _is_route(target: str, call: CallView, port: int | None) -> bool:
    if port is not None and target in (str(port), call.line):
        return True
    dialled = number_key(call.dialled)
    return bool(dialled) and number_key(target) == dialled
