"""Extension: ring one employee, honouring their hours, absences and DND. An unanswered
call follows the employee's own forwarding rule when they set one, else `failed`; an
extension that does not exist takes `wrong_number`."""

from __future__ import annotations

from firmware.config.routing import ExtensionStep
from firmware.routing.operations import forwarding
from firmware.routing.ringing import ring_employee
from firmware.routing.walk import ANSWERED, CALLER_GONE, Walk


async def run(operation: ExtensionStep, walk: Walk) -> str:
    extension = operation.extension or walk.dialled_extension
    walk.subject = extension
    employee = walk.plan.employees.get(extension)
    if employee is None:
        return "wrong_number"
    rules = employee.calls.forwarding
    ring_s = operation.ring_s or rules.no_answer_after_s
    rung = await ring_employee(walk, employee, ring_s=ring_s)
    if rung.case == "answered":
        return ANSWERED
    if rung.case == "caller_gone":
        return CALLER_GONE
    rule = getattr(rules, rung.case)
    if rung.unavailable or rule.action == "busy_tone":
        return "failed"  # the scenario decides what comes next
    return await forwarding.apply(walk, employee, rung.case, rule)
