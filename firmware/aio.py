"""The asyncio shim every core module uses for time, sleeping and tasks.

It exposes the subset of asyncio that MicroPython's asyncio also offers (plus the
`ticks_*` helpers of MicroPython's `time` module), so core code written against it can
move to a microcontroller later. It also provides a virtual-time event loop: whenever every
task is waiting, time jumps straight to the next timer, so a two-minute timeout in a test
takes milliseconds of real time. Outside that loop time is real.
"""

from __future__ import annotations

import asyncio
import functools
import selectors
import time
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import Executor
from typing import Any, TypeVar

T = TypeVar("T")

# MicroPython's ticks wrap around; keeping the same period here means code that is
# correct on the desktop is correct on a microcontroller too.
TICKS_PERIOD = 1 << 30
TICKS_MAX = TICKS_PERIOD - 1
TICKS_HALF_PERIOD = TICKS_PERIOD // 2

Event = asyncio.Event
Lock = asyncio.Lock
Queue = asyncio.Queue
QueueEmpty = asyncio.QueueEmpty
QueueFull = asyncio.QueueFull
CancelledError = asyncio.CancelledError
TimeoutError = asyncio.TimeoutError  # same name as in MicroPython's asyncio
Task = asyncio.Task
gather = asyncio.gather
create_task = asyncio.create_task
current_task = asyncio.current_task


def monotonic() -> float:
    """Seconds on the running loop's clock (virtual in simulation), else the OS clock."""
    try:
        return asyncio.get_running_loop().time()
    except RuntimeError:
        return time.monotonic()


def ticks_ms() -> int:
    """Milliseconds on the loop clock, wrapping like MicroPython's `time.ticks_ms`."""
    return int(monotonic() * 1000) & TICKS_MAX


def ticks_add(ticks: int, delta_ms: int) -> int:
    """Ticks value `delta_ms` after (or before, if negative) `ticks`."""
    return (ticks + delta_ms) & TICKS_MAX


def ticks_diff(later: int, earlier: int) -> int:
    """Signed difference `later - earlier` in ms, correct across one wrap-around."""
    return ((later - earlier + TICKS_HALF_PERIOD) & TICKS_MAX) - TICKS_HALF_PERIOD


def wall_time() -> float:
    """Wall-clock seconds since the epoch, following virtual time on a virtual loop."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return time.time()
    if isinstance(loop, VirtualTimeLoop):
        return loop.wall_epoch + loop.time()
    return time.time()


async def sleep(seconds: float) -> None:
    await asyncio.sleep(seconds)


async def sleep_ms(milliseconds: float) -> None:
    await asyncio.sleep(milliseconds / 1000)


async def wait_for_ms(awaitable: Awaitable[T], timeout_ms: float) -> T:
    """Await `awaitable`, raising `TimeoutError` after `timeout_ms` on the loop clock."""
    return await asyncio.wait_for(awaitable, timeout_ms / 1000)


async def to_thread(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run blocking work (disk, SMTP) in a thread without stalling the loop.

    On a virtual-time loop the work takes no virtual time: the clock waits for it.
    """
    call = functools.partial(function, *args, **kwargs) if kwargs else function
    return await asyncio.get_running_loop().run_in_executor(None, call, *() if kwargs else args)


def run(
    main: Coroutine[Any, Any, T], *, virtual: bool = False, wall_epoch: float | None = None
) -> T:
    """Run `main` to completion on a new loop, virtual-time when `virtual` is true."""
    if not virtual:
        return asyncio.run(main)
    loop = VirtualTimeLoop(wall_epoch=wall_epoch)
    try:
        asyncio.set_event_loop(loop)
        return loop.run_until_complete(main)
    finally:
        loop.shutdown()


class _VirtualTimeSelector(selectors.BaseSelector):
    """Selector that advances the loop's virtual clock instead of blocking.

    Real file descriptors (sockets, the loop's self-pipe) are still polled, so a virtual
    loop can serve a control socket; it simply never waits for a timer in real time.
    """

    def __init__(self, loop: VirtualTimeLoop) -> None:
        self._loop = loop
        self._real = selectors.DefaultSelector()

    def register(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._real.register(fileobj, events, data)

    def unregister(self, fileobj: Any) -> selectors.SelectorKey:
        return self._real.unregister(fileobj)

    def modify(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._real.modify(fileobj, events, data)

    def get_map(self) -> Any:
        return self._real.get_map()

    def close(self) -> None:
        self._real.close()

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        ready = self._real.select(0)
        if ready or timeout == 0:
            return ready
        if timeout is None or self._loop.threads_running:
            # Nothing is scheduled, or a thread is still working for a task: wait in real
            # time (a thread finishing wakes the loop through its self-pipe).
            return self._real.select(None if timeout is None else _THREAD_POLL_S)
        self._loop.advance(timeout)
        return []


_THREAD_POLL_S = 0.05


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An event loop whose clock jumps to the next timer whenever every task waits."""

    def __init__(self, *, wall_epoch: float | None = None) -> None:
        self._virtual_now = 0.0
        self.threads_running = 0
        self.wall_epoch = time.time() if wall_epoch is None else wall_epoch
        super().__init__(selector=_VirtualTimeSelector(self))

    def time(self) -> float:
        return self._virtual_now

    def advance(self, seconds: float) -> None:
        """Move the clock forward; only the selector calls this, when all tasks wait."""
        if seconds > 0:
            self._virtual_now += seconds

    def run_in_executor(  # type: ignore[override]
        self, executor: Executor | None, func: Callable[..., T], *args: Any
    ) -> asyncio.Future[T]:
        future = super().run_in_executor(executor, func, *args)
        self.threads_running += 1
        future.add_done_callback(self._thread_done)
        return future

    def _thread_done(self, _future: asyncio.Future[Any]) -> None:
        self.threads_running -= 1

    def run_for(self, seconds: float) -> None:
        """Let every task run for `seconds` of virtual time (for synchronous drivers)."""
        self.run_until_complete(asyncio.sleep(seconds))

    def shutdown(self) -> None:
        """Cancel what is left, finish async generators and close the loop."""
        try:
            pending = [task for task in asyncio.all_tasks(self) if not task.done()]
            for task in pending:
                task.cancel()
            if pending:
                self.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            self.run_until_complete(self.shutdown_asyncgens())
            self.run_until_complete(self.shutdown_default_executor())
        finally:
            asyncio.set_event_loop(None)
            self.close()
