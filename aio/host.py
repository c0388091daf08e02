"""CPython-only parts of the shim: queues, blocking work in threads, running a loop."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from aio.virtual import VirtualTimeLoop

T = TypeVar("T")

Queue = asyncio.Queue
QueueEmpty = asyncio.QueueEmpty
QueueFull = asyncio.QueueFull


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
