"""Call centre (ring group or queue) → `answered` / `no_answer` / `timeout`."""

from __future__ import annotations

from firmware.config.routing import CallCentreStep
from firmware.routing import queue
from firmware.routing.walk import Walk


async def run(operation: CallCentreStep, walk: Walk) -> str:
    return await queue.serve(walk, walk.plan.call_centres[operation.call_centre])
