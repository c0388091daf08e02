"""Personal manager: the caller's own manager from the address book, the call history or a
CRM hook. No manager found, not answering or unreachable: back to the scenario through
`failed`, whatever the manager's own forwarding says — the call is never lost."""

from __future__ import annotations

import logging

from firmware.config.routing import PersonalManager
from firmware.routing.ringing import ring_employee
from firmware.routing.walk import ANSWERED, CALLER_GONE, Walk

log = logging.getLogger(__name__)


async def run(operation: PersonalManager, walk: Walk) -> str:
    found = await walk.services.managers.find(operation, walk.plan, walk.call.caller_number)
    log.info("call %s: personal manager %r from %s", walk.call.id, found.extension, found.source)
    if not found.extension:
        return "failed"
    walk.subject = found.extension
    employee = walk.plan.employees[found.extension]
    rung = await ring_employee(
        walk, employee, ring_s=operation.ring_s, external=operation.ring_external
    )
    if rung.case == "answered":
        return ANSWERED
    if rung.case == "caller_gone":
        return CALLER_GONE
    return "failed"
