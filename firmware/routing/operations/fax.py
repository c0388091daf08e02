"""Fax reception: answer, tell a person calling by mistake what this is, end. The fax
receiver joins here when it lands."""

from __future__ import annotations

from firmware.config.routing import FaxReception
from firmware.routing.walk import CALLER_GONE, FINISHED, Walk
from firmware.verbs import EndReason, PlayOutcome


async def run(operation: FaxReception, walk: Walk) -> str:
    played = await walk.say(operation.prompt)
    if played.outcome == PlayOutcome.CALLER_GONE:
        return CALLER_GONE
    await walk.control.hang_up(walk.call, EndReason.FAX)
    return FINISHED
