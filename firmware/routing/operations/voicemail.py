"""Voicemail: answer, play the box's greeting and the tone, end. The message itself is
recorded by the voicemail service when it lands; until then the call ends after the tone."""

from __future__ import annotations

from firmware.config.routing import Voicemail
from firmware.routing.walk import CALLER_GONE, FINISHED, Walk
from firmware.verbs import EndReason, PlayOutcome


async def run(operation: Voicemail, walk: Walk) -> str:
    walk.subject = operation.box or walk.voicemail_box
    played = await walk.say(operation.prompt)
    if played.outcome == PlayOutcome.CALLER_GONE:
        return CALLER_GONE
    played = await walk.say("beep")
    if played.outcome == PlayOutcome.CALLER_GONE:
        return CALLER_GONE
    walk.reached_voicemail = True
    await walk.control.hang_up(walk.call, EndReason.VOICEMAIL)
    return FINISHED
