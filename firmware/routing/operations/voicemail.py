"""Voicemail: the box's greeting, the tone, then the caller's message recorded until they
press #, hang up, fall silent or reach the box's limit; the message is stored and mailed.

A caller who hangs up during the greeting, or finds the box full, still produces a mail
saying so. `*` during the greeting is the box's owner calling in for their messages.
Without a box to record into (none configured for this reference), the call ends after the
tone, as a plain announcement would.
"""

from __future__ import annotations

import logging

import numpy as np

import aio
from firmware.config.routing import Voicemail
from firmware.routing.walk import CALLER_GONE, FINISHED, Caller, Walk
from firmware.verbs import EndReason, PlayOutcome, PlayResult

log = logging.getLogger(__name__)

GREETING_KIND_BY_PROMPT = {
    "office_closed_voicemail": "after_hours",
    "voicemail_busy": "busy",
}
OWNER_KEY = "*"  # pressed during the greeting: the box's owner wants their messages
MESSAGE_KEY_WAIT_S = 0.5  # how often the recording checks whether it is full


async def run(operation: Voicemail, walk: Walk) -> str:
    reference = operation.box or walk.voicemail_box
    desk = walk.services.voicemail
    box_id = desk.box_for(reference) if desk is not None else None
    walk.subject = box_id or reference
    if desk is None or box_id is None:
        if desk is not None:
            log.warning("call %s: no voicemail box for %r", walk.call.id, reference)
        return await _greeting_only(operation, walk)
    started = aio.wall_time()
    info = Caller(
        walk.call.caller_number,
        walk.call.caller_name,
        walk.call.line,
        walk.call.id,
        tuple(f"{s.operation or s.kind}: {s.exit}" for s in walk.journal.steps if s.operation),
    )
    if await desk.is_full(box_id):
        walk.reached_voicemail = True
        await walk.say("voicemail_full")
        await desk.no_message(box_id, info, started, full=True)
        await walk.control.hang_up(walk.call, EndReason.VOICEMAIL)
        return FINISHED
    kind = GREETING_KIND_BY_PROMPT.get(operation.prompt, "unavailable")
    own = await desk.greeting(box_id, "temporary")  # an absence greeting comes first
    if own is None:
        own = await desk.greeting(box_id, kind)
    played = await (
        _play(walk, own) if own is not None else walk.say(operation.prompt, interrupt=OWNER_KEY)
    )
    if played.outcome == PlayOutcome.INTERRUPTED and played.digit == OWNER_KEY:
        # The box's owner calling in: their messages, after the PIN.
        walk.note("", "voicemail_by_phone", "entered", box_id)
        await desk.by_phone(walk.control, walk.services.prompts, walk.call, box_id=box_id)
        return CALLER_GONE if walk.call.is_over else FINISHED
    if played.outcome != PlayOutcome.CALLER_GONE:
        played = await walk.say("beep")
    if played.outcome == PlayOutcome.CALLER_GONE:
        await desk.no_message(box_id, info, started)
        return CALLER_GONE
    walk.reached_voicemail = True  # the tone was heard: a message could be left
    recording = await desk.record(box_id, info, max_s=operation.max_message_s)
    if recording is None:  # filled up meanwhile
        await desk.no_message(box_id, info, started, full=True)
        await walk.control.hang_up(walk.call, EndReason.VOICEMAIL)
        return FINISHED
    tap = _MessageTap(recording.recorder)
    remove = walk.control.add_tap(walk.call, tap)
    try:
        while not walk.call.is_over and not tap.full:
            keys = await walk.control.collect_digits(
                walk.call,
                max_digits=1,
                first_digit_s=MESSAGE_KEY_WAIT_S,
                inter_digit_s=MESSAGE_KEY_WAIT_S,
            )
            if keys.digits == "#":
                break
    finally:
        remove()
    await desk.deposit(recording)
    if walk.call.is_over:
        return CALLER_GONE
    await walk.control.hang_up(walk.call, EndReason.VOICEMAIL)
    return FINISHED


async def _greeting_only(operation: Voicemail, walk: Walk) -> str:
    played = await walk.say(operation.prompt)
    if played.outcome == PlayOutcome.CALLER_GONE:
        return CALLER_GONE
    played = await walk.say("beep")
    if played.outcome == PlayOutcome.CALLER_GONE:
        return CALLER_GONE
    walk.reached_voicemail = True
    await walk.control.hang_up(walk.call, EndReason.VOICEMAIL)
    return FINISHED


async def _play(walk: Walk, audio: np.ndarray) -> PlayResult:
    await walk.control.answer(walk.call)
    return await walk.control.play(walk.call, audio, interrupt_digits=OWNER_KEY)


class _MessageTap:
    """Feeds the caller's audio to the recorder in the media tick."""

    def __init__(self, recorder) -> None:  # type: ignore[no-untyped-def]
        self.recorder = recorder
        self.full = False

    def frame(self, caller: np.ndarray, other: np.ndarray | None) -> None:
        if not self.full and not self.recorder.feed(caller):
            self.full = True
        return None
