"""Hang up: with a message, or with busy tone as a line that cannot take the call."""

from __future__ import annotations

from firmware.config.routing import HangUp
from firmware.routing.walk import CALLER_GONE, FINISHED, Walk
from firmware.verbs import EndReason, PlayOutcome

BUSY_TONE_S = 10.0


async def run(operation: HangUp, walk: Walk) -> str:
    if operation.play == "message":
        played = await walk.say(operation.prompt)
    else:
        played = await walk.control.play_tone(walk.call, "busy", max_s=BUSY_TONE_S)
    if played.outcome == PlayOutcome.CALLER_GONE:
        return CALLER_GONE
    await walk.control.hang_up(walk.call, EndReason.ROUTED_AWAY)
    return FINISHED
