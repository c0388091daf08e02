"""The web process: pages and a small REST API.

Live state and every change go through the engine's control API; call history is read
straight from the database through a read-only connection, so a long history query never
loads the engine. It never touches hardware or writes under the data directory; a slow page
or a crash here cannot drop a call because the engine is another process.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from firmware.control.client import ControlClient, ControlError, EngineUnavailable
from firmware.storage.history_reader import HISTORY_LIMIT_MAX, read_calls

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
SSE_KEEPALIVE_S = 15.0
DEFAULT_HISTORY_LIMIT = 100


def create_app(socket_path: Path, history_db: Path) -> Starlette:
    templates = Jinja2Templates(directory=str(HERE / "templates"))

    async def engine_request(op: str) -> object:
        async with ControlClient(socket_path) as client:
            return await client.request(op)

    async def index(request: Request) -> Response:
        try:
            status = await engine_request("status")
            problem = None
        except (EngineUnavailable, ControlError) as error:
            status, problem = {"ports": [], "system": {}}, str(error)
        return templates.TemplateResponse(
            request, "index.html", {"status": status, "problem": problem}
        )

    async def api_status(_request: Request) -> Response:
        try:
            return JSONResponse(await engine_request("status"))
        except EngineUnavailable as error:
            return JSONResponse({"error": str(error)}, status_code=503)

    async def api_history(request: Request) -> Response:
        text = request.query_params.get("limit", str(DEFAULT_HISTORY_LIMIT))
        if not text.isdigit() or not 1 <= int(text) <= HISTORY_LIMIT_MAX:
            message = f"limit must be a whole number from 1 to {HISTORY_LIMIT_MAX}, got {text!r}"
            return JSONResponse({"error": message}, status_code=400)
        try:
            calls = await run_in_threadpool(read_calls, history_db, int(text))
        except sqlite3.Error as error:
            log.error("web: reading call history from %s failed: %s", history_db, error)
            return JSONResponse({"error": f"call history cannot be read: {error}"}, 503)
        return JSONResponse({"calls": calls})

    async def events(_request: Request) -> Response:
        return StreamingResponse(_event_stream(socket_path), media_type="text/event-stream")

    return Starlette(
        routes=[
            Route("/", index),
            Route("/api/status", api_status),
            Route("/api/events", events),
            Route("/api/history", api_history),
            Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
        ]
    )


async def _event_stream(socket_path: Path) -> AsyncIterator[str]:
    """Server-sent events for one browser tab: the whole status, then every change.

    The subscription is made before the status is read, so no change can fall between
    the two; a tab that reconnects gets the status again and so never stays stale.
    """
    try:
        async with ControlClient(socket_path) as client:
            await client.subscribe()
            async with ControlClient(socket_path) as snapshot:
                status = await snapshot.request("status")
            yield "retry: 2000\n\n"
            yield _sse("status", status)
            async for message in client.events():
                yield _sse(message["event"], message["data"])
    except (EngineUnavailable, ControlError) as error:
        yield _sse("engine", {"error": str(error)})


def _sse(event: str, data: object) -> str:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n"
