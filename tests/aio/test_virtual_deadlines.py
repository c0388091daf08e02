"""A task waiting for its own deadline on the virtual clock gets there: the clock is at a
timer's time when the timer fires, even when two timers lie closer together than the
loop's clock resolution or the deadline is a hair away."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import aio
from aio.virtual import VirtualTimeLoop

T = TypeVar("T")

NEARBY_S = 1e-12  # far below the loop's clock resolution (1 ns)
MAX_WAITS = 5  # a waiter re-arms at most a couple of times before its deadline


async def _wait_until(deadline: float, woken: aio.Event) -> int:
    """Wait for `woken` until `deadline` on the loop clock, as call control's digit
    collection does; returns how many waits it took."""
    waits = 0
    while (left := deadline - aio.monotonic()) > 0:
        waits += 1
        assert waits <= MAX_WAITS, f"the clock stays {left:.3g} s before the deadline"
        with contextlib.suppress(aio.TimeoutError):
            await aio.wait_for_ms(woken.wait(), left * 1000)
    return waits


def _run(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    loop = VirtualTimeLoop()
    try:
        asyncio.set_event_loop(loop)
        return loop.run_until_complete(main())
    finally:
        loop.shutdown()


def test_a_deadline_a_hair_after_another_timer_is_reached():
    async def main() -> tuple[int, float, float]:
        deadline = aio.monotonic() + 0.5 + NEARBY_S
        other = asyncio.create_task(asyncio.sleep(0.5))
        waits = await _wait_until(deadline, aio.Event())
        await other
        return waits, aio.monotonic(), deadline

    waits, reached, deadline = _run(main)
    assert waits <= 2 and reached >= deadline


def test_a_timer_just_before_a_deadline_does_not_hold_the_clock_before_it():
    async def main() -> tuple[float, float]:
        deadline = aio.monotonic() + 0.5
        nearly = asyncio.create_task(asyncio.sleep(0.5 - NEARBY_S))
        await _wait_until(deadline, aio.Event())
        await nearly
        return aio.monotonic(), deadline

    reached, deadline = _run(main)
    assert reached >= deadline


def test_a_timer_never_fires_before_its_time_on_the_virtual_clock():
    fired: list[tuple[float, float]] = []

    async def main() -> None:
        loop = asyncio.get_running_loop()
        base = 32.4

        def note(when: float) -> None:
            fired.append((loop.time(), when))

        for offset in (0.013, 0.013 + NEARBY_S, 0.02, 0.02 + 2 * NEARBY_S):
            loop.call_at(base + offset, note, base + offset)
        await asyncio.sleep(33 - loop.time())

    _run(main)
    assert len(fired) == 4 and all(now >= when for now, when in fired), fired
