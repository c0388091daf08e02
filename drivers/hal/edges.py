"""Edge latching for GPIO inputs, shared by the real and the simulated lines.

An edge is remembered from the moment it happens until the next `wait` returns, so a
driver that reads a line and then waits for it cannot miss a transition in between. Edges
are recorded on the event loop's thread: the real backend hands its foreign-thread
callbacks over with `call_soon_threadsafe` first.
"""

from __future__ import annotations

import asyncio
import threading

from drivers.hal.interfaces import Edge


class EdgeLatch:
    """The level of one input line and the edges seen on it since the last wait."""

    def __init__(self, level: bool) -> None:
        self.level = level
        self.edges_seen = 0  # every edge ever recorded, for status and tests
        self._pending: set[Edge] = set()
        self._lock = threading.Lock()
        self._waiters: set[asyncio.Future[None]] = set()

    def record(self, level: bool, *, pulse: bool = False) -> None:
        """The line now reads `level`.

        `pulse` says an edge happened even though the level is unchanged (the line went
        and came back before it could be read): both directions are latched then.
        """
        with self._lock:
            if level != self.level:
                self._pending.add(Edge.RISING if level else Edge.FALLING)
                self.edges_seen += 1
            elif pulse:
                self._pending.update((Edge.RISING, Edge.FALLING))
                self.edges_seen += 2
            else:
                return
            self.level = level
            waiters = list(self._waiters)
        for future in waiters:
            _release(future)

    def _take(self, edge: Edge) -> bool:
        with self._lock:
            if edge is Edge.BOTH:
                seen = bool(self._pending)
            else:
                seen = edge in self._pending
            return seen

    def _clear(self) -> None:
        with self._lock:
            self._pending.clear()

    async def wait(self, edge: Edge, timeout_ms: float | None = None) -> bool:
        """True once `edge` has happened since the previous wait returned; False on timeout."""
        try:
            if self._take(edge):
                return True
            if timeout_ms is not None and timeout_ms <= 0:
                return False
            loop = asyncio.get_running_loop()
            deadline = None if timeout_ms is None else loop.time() + timeout_ms / 1000
            while True:
                future: asyncio.Future[None] = loop.create_future()
                with self._lock:
                    self._waiters.add(future)
                timer = None if deadline is None else loop.call_at(deadline, _release, future)
                try:
                    await future
                finally:
                    if timer is not None:
                        timer.cancel()
                    with self._lock:
                        self._waiters.discard(future)
                if self._take(edge):
                    return True
                if deadline is not None and loop.time() >= deadline:
                    return False
        finally:
            self._clear()


def _release(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
