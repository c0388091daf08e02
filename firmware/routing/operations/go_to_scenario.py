"""Go to scenario: the call continues at the start of another scenario."""

from __future__ import annotations

from firmware.config.routing import GoToScenario
from firmware.routing.walk import JUMP, Walk


async def run(operation: GoToScenario, walk: Walk) -> str:
    walk.jump_to = operation.scenario
    return JUMP
