"""Control API client used by the web process and the command line."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from firmware.control.protocol import MAX_MESSAGE_BYTES, decode, encode


class ControlError(Exception):
    """The engine refused a request; `code` and `details` say why."""

    def __init__(self, code: str, message: str, details: dict[str, Any]) -> None:
        super().__init__(message)
        self.code = code
        self.details = details


class EngineUnavailable(ConnectionError):
    pass


class ControlClient:
    """One connection to the engine. Requests on it are answered in order."""

    def __init__(self, socket_path: Path) -> None:
        self.socket_path = Path(socket_path)
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._ids = itertools.count(1)
        self._lock = asyncio.Lock()
        self._subscribed = False

    async def __aenter__(self) -> ControlClient:
        await self.connect()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def connect(self) -> None:
        try:
            self._reader, self._writer = await asyncio.open_unix_connection(
                str(self.socket_path), limit=MAX_MESSAGE_BYTES
            )
        except (FileNotFoundError, ConnectionRefusedError) as error:
            raise EngineUnavailable(
                f"the engine is not running (no control socket at {self.socket_path})"
            ) from error

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(ConnectionError):
                await self._writer.wait_closed()
            self._writer = None

    async def request(self, op: str, **arguments: Any) -> Any:
        """Send one request and return its result, raising ControlError on refusal."""
        if "id" in arguments or "op" in arguments:
            raise ValueError("'id' and 'op' name the request itself, not an argument")
        async with self._lock:
            if self._writer is None or self._reader is None:
                await self.connect()
            assert self._writer is not None and self._reader is not None
            request_id = next(self._ids)
            self._writer.write(encode({"id": request_id, "op": op, **arguments}))
            await self._writer.drain()
            while True:
                line = await self._reader.readline()
                if not line:
                    raise EngineUnavailable("the engine closed the control connection")
                reply = decode(line)
                if reply.get("id") == request_id:
                    break
        if not reply.get("ok"):
            details = {k: v for k, v in reply.items() if k not in ("id", "ok", "error", "message")}
            raise ControlError(str(reply.get("error")), str(reply.get("message")), details)
        return reply.get("result")

    async def subscribe(self) -> None:
        """Ask for live events on this connection; from now on they queue up for `events()`.

        After subscribing, use another connection for requests: this one carries events.
        """
        if not self._subscribed:
            await self.request("subscribe")
            self._subscribed = True

    async def events(self) -> AsyncIterator[dict[str, Any]]:
        """Subscribe on this connection (unless done) and yield pushed events until it closes."""
        await self.subscribe()
        assert self._reader is not None
        while True:
            line = await self._reader.readline()
            if not line:
                return
            message = decode(line)
            if "event" in message:
                yield message
