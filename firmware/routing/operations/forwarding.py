"""Forwarding of direct calls an employee does not take: on no answer (after two minutes by
default), when busy, when their phone's port has failed.

By default the caller hears busy tone and the call ends. Otherwise: a message and the end;
forwarding to a colleague or a call centre; or the employee's voicemail, each after the
notice the employee chose (the standard "someone else will answer", their own, or none).
History counts the call as the colleague's when the colleague answers, as missed by the
employee otherwise, marked "voicemail" when it reached their voicemail.
"""

from __future__ import annotations

from firmware.config.people import ForwardRule
from firmware.config.routing import Voicemail
from firmware.config.schema import Employee
from firmware.routing import queue
from firmware.routing.journal import Attribution
from firmware.routing.operations import voicemail
from firmware.routing.ringing import ring_employee
from firmware.routing.walk import ANSWERED, CALLER_GONE, FINISHED, Walk
from firmware.verbs import EndReason, PlayOutcome

BUSY_TONE_S = 10.0
STANDARD_NOTICE = "forward_notice"
STANDARD_MESSAGE = "employee_unavailable"
_END_REASONS = {
    "no_answer": EndReason.NO_ANSWER,
    "busy": EndReason.BUSY,
    "port_failed": EndReason.PORT_FAILED,
}


async def apply(walk: Walk, employee: Employee, case: str, rule: ForwardRule) -> str:
    """Carry out `rule` for a call `employee` did not take; returns the final exit."""
    walk.subject = employee.extension
    walk.note(employee.extension, "forwarding", f"{case}:{rule.action}", employee.extension)
    missed = Attribution(employee.extension, "missed")
    walk.journal.attribution = missed
    reason = _END_REASONS.get(case, EndReason.NO_ANSWER)
    if rule.action == "busy_tone":
        # A phone that cannot ring (none plugged in, port failed): the number is unreachable.
        tone = "congestion" if case == "port_failed" else "busy"
        played = await walk.control.play_tone(walk.call, tone, max_s=BUSY_TONE_S)
        return await _hang_up(walk, played.outcome, reason)
    if rule.action == "message":
        played = await walk.say(rule.greeting or STANDARD_MESSAGE)
        return await _hang_up(walk, played.outcome, reason)
    if rule.notice != "none":
        played = await walk.say(rule.greeting if rule.notice == "custom" else STANDARD_NOTICE)
        if played.outcome == PlayOutcome.CALLER_GONE:
            return CALLER_GONE
    if rule.action == "voicemail":
        walk.voicemail_box = rule.target or employee.calls.voicemail_box or employee.extension
        exit_name = await voicemail.run(Voicemail(), walk)
        if walk.reached_voicemail:
            missed.note = "voicemail"
        return exit_name
    return await _forward(walk, employee, rule.target, reason)


async def _forward(walk: Walk, employee: Employee, target: str, reason: EndReason) -> str:
    answered_by = ""
    if target.startswith("cc:"):
        centre = walk.plan.call_centres.get(target[3:])
        if centre is not None:
            served = await queue.serve(walk, centre)
            answered_by = walk.answered_by if served == ANSWERED else ""
            if served == CALLER_GONE:
                return CALLER_GONE
    else:
        colleague = walk.plan.employees.get(target)
        if colleague is not None:
            ring_s = colleague.calls.forwarding.no_answer_after_s
            rung = await ring_employee(walk, colleague, ring_s=ring_s)
            if rung.case == "caller_gone":
                return CALLER_GONE
            answered_by = colleague.extension if rung.case == "answered" else ""
    if answered_by:
        walk.journal.attribution = Attribution(
            answered_by, "answered", forwarded_from=employee.extension
        )
        return ANSWERED
    played = await walk.control.play_tone(walk.call, "busy", max_s=BUSY_TONE_S)
    return await _hang_up(walk, played.outcome, reason)


async def _hang_up(walk: Walk, outcome: PlayOutcome, reason: EndReason) -> str:
    if outcome == PlayOutcome.CALLER_GONE:
        return CALLER_GONE
    await walk.control.hang_up(walk.call, reason)
    return FINISHED
