"""Announcement: a prompt or an uploaded greeting, optionally skipped by a key → `next`."""

from __future__ import annotations

from firmware.config.routing import Announcement
from firmware.routing.walk import CALLER_GONE, Walk
from firmware.verbs import PlayOutcome


async def run(operation: Announcement, walk: Walk) -> str:
    result = await walk.say(operation.prompt, interrupt=operation.skip_keys)
    return CALLER_GONE if result.outcome == PlayOutcome.CALLER_GONE else "next"
