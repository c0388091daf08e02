"""Waiting for the first of several things (a key, a free agent, the caller hanging up)."""

from __future__ import annotations

import contextlib
from collections.abc import Coroutine
from typing import Any

import aio


async def first_of(*waits: Coroutine[Any, Any, Any]) -> int:
    """Run `waits` together; return the index of the first to finish and cancel the rest."""
    done = aio.Event()
    finished: list[int] = []
    tasks: list[aio.Task[Any]] = []

    async def watch(index: int, wait: Coroutine[Any, Any, Any]) -> None:
        try:
            await wait
        finally:
            finished.append(index)
            done.set()

    for index, wait in enumerate(waits):
        tasks.append(aio.create_task(watch(index, wait)))
    try:
        await done.wait()
    finally:
        for task in tasks:
            if not task.done():
                task.cancel()
        for task in tasks:
            with contextlib.suppress(aio.CancelledError):
                await task
    return finished[0]


class Signal:
    """Wakes every waiter each time something changes (an agent frees up, logs in)."""

    def __init__(self) -> None:
        self._event = aio.Event()

    async def wait(self) -> None:
        await self._event.wait()

    def next_change(self) -> aio.Event:
        """The event the next change sets: take it before looking at the state, then wait
        on it, and no change in between is missed."""
        return self._event

    def notify(self) -> None:
        self._event.set()
        self._event = aio.Event()
