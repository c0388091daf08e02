"""One-shot timers on the engine's clock (virtual in simulation) for line supervision."""

from __future__ import annotations

import logging
from collections.abc import Callable

import aio

log = logging.getLogger(__name__)


class Timer:
    """Calls `callback` once after `seconds` unless cancelled or restarted first."""

    def __init__(self, callback: Callable[[], None]) -> None:
        self._callback = callback
        self._task: aio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self, seconds: float) -> None:
        self.cancel()
        self._task = aio.create_task(self._fire(seconds))

    def cancel(self) -> None:
        if (
            self._task is not None
            and not self._task.done()
            and self._task is not aio.current_task()
        ):
            self._task.cancel()
        self._task = None

    async def _fire(self, seconds: float) -> None:
        await aio.sleep(seconds)
        self._task = None
        try:
            self._callback()
        except Exception:
            log.exception("timer callback %r failed", self._callback)
