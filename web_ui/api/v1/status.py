"""Live status: a snapshot, and a stream of server-sent events."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from firmware.control.client import ControlClient
from web_ui.auth.guard import require_admin
from web_ui.engine import ControlError, EngineUnavailable
from web_ui.state import web_state

router = APIRouter(tags=["status"], dependencies=[Depends(require_admin)])


@router.get("/status", summary="What every port is doing")
async def status(request: Request) -> Any:
    try:
        return await web_state(request).engine.request("status")
    except EngineUnavailable as error:
        return JSONResponse({"detail": str(error)}, status_code=503)


@router.get(
    "/events",
    summary="Server-sent events: the whole status, then every change",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "An endless stream"}},
)
async def events(request: Request) -> Response:
    socket_path = web_state(request).engine.socket_path
    return StreamingResponse(_event_stream(socket_path), media_type="text/event-stream")


async def _event_stream(socket_path: Path) -> AsyncIterator[str]:
    """Server-sent events for one browser tab: the whole status, then every change.

    The subscription is made before the status is read, so no change can fall between
    the two; a tab that reconnects gets the status again and so never stays stale.
    """
    try:
        async with ControlClient(socket_path) as client:
            await client.subscribe()
            async with ControlClient(socket_path) as snapshot:
                current = await snapshot.request("status")
            yield "retry: 2000\n\n"
            yield _sse("status", current)
            async for message in client.events():
                yield _sse(message["event"], message["data"])
    except (EngineUnavailable, ControlError) as error:
        yield _sse("engine", {"error": str(error)})


def _sse(event: str, data: object) -> str:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n"
