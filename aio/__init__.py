"""The asyncio shim: time, sleeping, tasks and events for every layer of ours.

This core is portable: it runs unchanged under CPython and MicroPython (the HIL fixture's
firmware uses it on a microcontroller), so it imports nothing but `sys`, `time` and
`asyncio`, and uses no typing constructs MicroPython lacks. Time comes from
`time.ticks_ms` on MicroPython and from the running event loop on CPython, so a loop that
keeps virtual time (`aio.virtual`) makes every user of this module virtual too.
CPython-only helpers (queues, threads, `run`) live in `aio.host`.
"""

import sys
import time

try:
    import asyncio
except ImportError:  # MicroPython before 1.21 called it uasyncio
    import uasyncio as asyncio  # type: ignore[import-not-found,no-redef]

MICROPYTHON = sys.implementation.name == "micropython"

# MicroPython's ticks wrap around; keeping the same period here means code that is
# correct on the desktop is correct on a microcontroller too.
TICKS_PERIOD = 1 << 30
TICKS_MAX = TICKS_PERIOD - 1
TICKS_HALF_PERIOD = TICKS_PERIOD // 2

Event = asyncio.Event
Lock = asyncio.Lock
CancelledError = asyncio.CancelledError
TimeoutError = asyncio.TimeoutError
Task = asyncio.Task
gather = asyncio.gather
create_task = asyncio.create_task
current_task = asyncio.current_task


def _running_loop():  # type: ignore[no-untyped-def]
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


if MICROPYTHON:

    def ticks_ms() -> int:
        """Milliseconds on the board's clock, wrapping at `TICKS_PERIOD`."""
        return time.ticks_ms()  # type: ignore[attr-defined]

    def monotonic() -> float:
        """Seconds on the board's clock (wraps with the ticks, after about 12 days)."""
        return time.ticks_ms() / 1000  # type: ignore[attr-defined]

    def wall_time() -> float:
        """Seconds since the epoch, as far as the board knows the date."""
        return float(time.time())

    async def sleep_ms(milliseconds: float) -> None:
        await asyncio.sleep_ms(int(milliseconds))  # type: ignore[attr-defined]

    async def wait_for_ms(awaitable, timeout_ms: float):  # type: ignore[no-untyped-def]
        """Await `awaitable`, raising `TimeoutError` after `timeout_ms`."""
        return await asyncio.wait_for_ms(awaitable, int(timeout_ms))  # type: ignore[attr-defined]

else:

    def monotonic() -> float:
        """Seconds on the running loop's clock (virtual in simulation), else the OS clock."""
        loop = _running_loop()
        return time.monotonic() if loop is None else loop.time()

    def ticks_ms() -> int:
        """Milliseconds on the loop clock, wrapping like MicroPython's `time.ticks_ms`."""
        return int(monotonic() * 1000) & TICKS_MAX

    def wall_time() -> float:
        """Wall-clock seconds since the epoch; a loop with a clock of its own (virtual
        time) provides `wall_time()` and is followed."""
        loop = _running_loop()
        own_clock = getattr(loop, "wall_time", None)
        return time.time() if own_clock is None else own_clock()

    async def sleep_ms(milliseconds: float) -> None:
        await asyncio.sleep(milliseconds / 1000)

    async def wait_for_ms(awaitable, timeout_ms: float):  # type: ignore[no-untyped-def]
        """Await `awaitable`, raising `TimeoutError` after `timeout_ms` on the loop clock."""
        # Not asyncio.wait_for: on 3.11 it loses a cancellation that arrives as the awaited
        # thing completes, and the cancelled task carries on.
        async with asyncio.timeout(timeout_ms / 1000):
            return await awaitable


def ticks_add(ticks: int, delta_ms: int) -> int:
    """Ticks value `delta_ms` after (or before, if negative) `ticks`."""
    return (ticks + delta_ms) & TICKS_MAX


def ticks_diff(later: int, earlier: int) -> int:
    """Signed difference `later - earlier` in ms, correct across one wrap-around."""
    return ((later - earlier + TICKS_HALF_PERIOD) & TICKS_MAX) - TICKS_HALF_PERIOD


async def sleep(seconds: float) -> None:
    await asyncio.sleep(seconds)
