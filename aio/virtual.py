"""A virtual-time event loop (CPython only): whenever every task waits, time jumps
straight to the next timer, so a two-minute timeout in a test takes milliseconds.

Setting `clock_limit` holds the clock there (the loop then waits for real input, such as a
control request that raises the limit): a device on a clock of its own, like the HIL
fixture under MicroPython, steps the loop in lockstep with it.

The loop carries its own clock: `aio.monotonic()` reads the loop's `time()` and
`aio.wall_time()` its `wall_time()`, so nothing needs to know which loop it runs on.
"""

from __future__ import annotations

import asyncio
import contextvars
import selectors
import time
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any, TypeVar

T = TypeVar("T")


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
        if self._loop.clock_limit is not None:
            allowed = self._loop.clock_limit - self._loop.time()
            if allowed <= 0:
                # Held: only real input (a request to step on) moves anything now.
                return self._real.select(None)
            if timeout is None or timeout > allowed:
                timeout = allowed
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
        # When set, the clock never passes this time: a co-simulated device steps it.
        self.clock_limit: float | None = None
        self.wall_epoch = time.time() if wall_epoch is None else wall_epoch
        super().__init__(selector=_VirtualTimeSelector(self))

    def time(self) -> float:
        return self._virtual_now

    def wall_time(self) -> float:
        """Wall-clock seconds that follow the virtual clock from `wall_epoch`."""
        return self.wall_epoch + self._virtual_now

    def advance(self, seconds: float) -> None:
        """Move the clock forward; only the selector calls this, when all tasks wait."""
        if seconds > 0:
            self._virtual_now += seconds

    def call_at(  # type: ignore[override]
        self,
        when: float,
        callback: Callable[..., object],
        *args: Any,
        context: contextvars.Context | None = None,
    ) -> asyncio.TimerHandle:
        """Schedule `callback` at `when`; when it fires, the clock reads at least `when`.

        The base loop fires every timer due within its clock resolution (1 ns) of now, and
        the clock's jump to a timer can fall a rounding error short of it. A real clock moves
        on regardless; a virtual one stays put, so a task that re-arms a wait for its own
        deadline ("still 1e-12 s to go") would find it fired at once, on every pass, with
        the clock never moving again. Reaching the timer's time first ends that.
        """
        return super().call_at(when, self._fire, when, callback, *args, context=context)

    def _fire(self, when: float, callback: Callable[..., object], *args: Any) -> None:
        if when > self._virtual_now:
            self._virtual_now = when
        callback(*args)

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
