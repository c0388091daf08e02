"""Fax reception: answer with CED at once and run the T.30 receiver on the caller's audio
through a media tap; the pages go to the fax inbox (mail) as one PDF, also when the call was
cut mid-fax. Without a fax inbox (no mail set up) it tells the caller so and ends."""

from __future__ import annotations

import logging

import aio
from firmware.config.routing import FaxReception
from firmware.routing.journal import FaxRecord
from firmware.routing.waiting import first_of
from firmware.routing.walk import CALLER_GONE, FINISHED, Walk
from firmware.verbs import EndReason, PlayOutcome

log = logging.getLogger(__name__)


async def run(operation: FaxReception, walk: Walk) -> str:
    walk.receiving_fax = True
    inbox = walk.services.fax_inbox
    if inbox is None:
        log.warning("%s: fax reception without a fax inbox (mail)", walk.call.id)
        played = await walk.say(operation.prompt)
        if played.outcome == PlayOutcome.CALLER_GONE:
            return CALLER_GONE
        await walk.control.hang_up(walk.call, EndReason.FAX)
        return FINISHED
    await walk.control.answer(walk.call)
    session = inbox.session(walk.call.caller_number, walk.call.dialled)
    remove = walk.control.add_tap(walk.call, session.tap)
    try:
        first = await first_of(session.wait_finished(), walk.control.wait_until_gone(walk.call))
    finally:
        remove()
    line_gone = first == 1
    result = session.result(line_gone)
    log.info("%s: fax reception ended: %s", walk.call.id, result)
    mailed = await session.deliver(operation.email, attach_as=operation.attach_as)
    walk.journal.faxes.append(FaxRecord(at=aio.wall_time(), mailed=mailed, **session.summary()))
    if line_gone:
        return CALLER_GONE
    await walk.control.hang_up(walk.call, EndReason.FAX)
    return FINISHED
