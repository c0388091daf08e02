"""Control API server: the engine's handlers behind a Unix socket.

Handlers are plain coroutines `handler(request) -> result` registered by name. A handler
raises `RequestError` for a refusal the client should show (for example an invalid config),
anything else is logged and answered as an internal error without stopping the engine.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aio
from aio import host
from firmware.control.protocol import MAX_MESSAGE_BYTES, ProtocolError, decode, encode

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], Awaitable[Any]]
SUBSCRIBER_QUEUE_LIMIT = 1000  # a stuck subscriber loses its connection, not the engine's memory


class RequestError(Exception):
    """A request refused for a reason the client can show to the user."""

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.details = details


class ControlServer:
    def __init__(self, socket_path: Path) -> None:
        self.socket_path = Path(socket_path)
        self._handlers: dict[str, Handler] = {}
        self._subscribers: dict[host.Queue[dict[str, Any]], asyncio.StreamWriter] = {}
        self._server: asyncio.AbstractServer | None = None
        self._connections: set[asyncio.Task[None]] = set()

    def handle(self, op: str, handler: Handler) -> None:
        self._handlers[op] = handler

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    def publish(self, event: str, data: dict[str, Any]) -> None:
        """Push an event to every subscriber; never blocks the caller."""
        message = {"event": event, "data": data}
        for queue, writer in list(self._subscribers.items()):
            try:
                queue.put_nowait(message)
            except host.QueueFull:
                log.warning("control: closing a subscriber that stopped reading events")
                del self._subscribers[queue]
                writer.close()

    async def start(self) -> None:
        self.socket_path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            self.socket_path.unlink()
        self._server = await asyncio.start_unix_server(
            self._serve, path=str(self.socket_path), limit=MAX_MESSAGE_BYTES
        )
        os.chmod(self.socket_path, 0o660)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for task in list(self._connections):
            task.cancel()
        for task in list(self._connections):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        with contextlib.suppress(FileNotFoundError):
            self.socket_path.unlink()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        events: host.Queue[dict[str, Any]] | None = None
        pusher: asyncio.Task[None] | None = None
        write_lock = aio.Lock()

        async def send(message: dict[str, Any]) -> None:
            async with write_lock:
                writer.write(encode(message))
                await writer.drain()

        try:
            while True:
                try:
                    line = await reader.readline()
                except (ValueError, asyncio.LimitOverrunError):
                    await send({"ok": False, "error": "protocol", "message": "message too large"})
                    break
                if not line:
                    break
                reply, subscribe = await self._answer(line)
                await send(reply)
                if subscribe and events is None:
                    events = host.Queue(SUBSCRIBER_QUEUE_LIMIT)
                    self._subscribers[events] = writer
                    pusher = aio.create_task(self._push(events, send))
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            if events is not None:
                self._subscribers.pop(events, None)
            if pusher is not None:
                pusher.cancel()
            writer.close()
            # Closing during engine shutdown may be cancelled; the connection ends either way.
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await writer.wait_closed()
            self._connections.discard(task)

    async def _push(
        self,
        events: host.Queue[dict[str, Any]],
        send: Callable[[dict[str, Any]], Awaitable[None]],
    ) -> None:
        with contextlib.suppress(ConnectionError):
            while True:
                await send(await events.get())

    async def _answer(self, line: bytes) -> tuple[dict[str, Any], bool]:
        try:
            request = decode(line)
        except ProtocolError as error:
            return {"ok": False, "error": "protocol", "message": str(error)}, False
        request_id = request.get("id")
        op = request.get("op")
        if op == "subscribe":
            return {"id": request_id, "ok": True, "result": None}, True
        handler = self._handlers.get(op) if isinstance(op, str) else None
        if handler is None:
            known = ", ".join(sorted([*self._handlers, "subscribe"]))
            message = f"unknown operation {op!r}; known: {known}"
            return {"id": request_id, "ok": False, "error": "unknown_op", "message": message}, False
        try:
            result = await handler(request)
        except RequestError as error:
            reply = {"id": request_id, "ok": False, "error": error.code, "message": str(error)}
            reply.update(error.details)
            return reply, False
        except Exception:
            log.exception("control: %s failed", op)
            message = f"{op} failed inside the engine; see the engine log"
            return {"id": request_id, "ok": False, "error": "internal", "message": message}, False
        return {"id": request_id, "ok": True, "result": result}, False
