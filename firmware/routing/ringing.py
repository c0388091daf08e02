"""Ringing one employee for a call: their devices, honouring DND, absences and personal
hours; every device rung is written to the call's journal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import aio
from firmware.config.schema import Employee
from firmware.routing.journal import Attempt
from firmware.routing.walk import Walk
from firmware.verbs import OfferOutcome, OfferResult, RingAttempt

# Which forwarding rule a call that was not answered falls under.
Case = Literal["answered", "no_answer", "busy", "port_failed", "caller_gone"]

_CASES: dict[OfferOutcome, Case] = {
    OfferOutcome.ANSWERED: "answered",
    OfferOutcome.NO_ANSWER: "no_answer",
    OfferOutcome.BUSY: "busy",
    OfferOutcome.UNAVAILABLE: "port_failed",
    OfferOutcome.CALLER_GONE: "caller_gone",
    OfferOutcome.CANCELLED: "caller_gone",
}


@dataclass(frozen=True)
class RingOutcome:
    case: Case
    unavailable: str = ""  # do_not_disturb / absent / off_hours: not rung at all


async def ring_employee(
    walk: Walk, employee: Employee, *, ring_s: float, external: bool = True
) -> RingOutcome:
    reason = walk.plan.unavailable_reason(employee, aio.wall_time())
    if reason:
        return RingOutcome("no_answer", unavailable=reason)
    targets, mode = walk.plan.targets_for(employee, ring_s=ring_s, external=external)
    if not targets:
        return RingOutcome("port_failed")
    result = await walk.control.offer(walk.call, targets, mode=mode, max_s=ring_s)
    journal_attempts(walk, "", result)
    return RingOutcome(_CASES[result.outcome])


def journal_attempts(walk: Walk, call_centre: str, result: OfferResult) -> list[RingAttempt]:
    now = aio.wall_time()
    for attempt in result.attempts:
        walk.journal.attempts.append(
            Attempt(now, call_centre, attempt.label, attempt.rang_s, str(attempt.outcome))
        )
    return result.attempts
