"""The engine's answers to control API requests."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aio import host
from firmware.config import ConfigError
from firmware.control.server import ControlServer, RequestError
from firmware.storage.history_reader import HISTORY_LIMIT_MAX, read_calls

if TYPE_CHECKING:
    from firmware.engine.app import Engine


def register(server: ControlServer, engine: Engine) -> None:
    async def get_config(_request: dict[str, Any]) -> Any:
        return engine.config.model_dump(mode="json")

    async def put_config(request: dict[str, Any]) -> Any:
        document = request.get("config")
        if not isinstance(document, dict | str):
            raise RequestError("bad_request", "put_config needs a 'config' document")
        try:
            config = await engine.save_config(document)
        except ConfigError as error:
            raise RequestError(
                "invalid_config",
                f"the configuration was not saved: {len(error.errors)} problem(s)",
                errors=[problem.as_dict() for problem in error.errors],
            ) from None
        return config.model_dump(mode="json")

    async def status(_request: dict[str, Any]) -> Any:
        return engine.status()

    async def history(request: dict[str, Any]) -> Any:
        limit = request.get("limit", 100)
        if not isinstance(limit, int) or not 1 <= limit <= HISTORY_LIMIT_MAX:
            raise RequestError("bad_request", f"limit must be 1 to {HISTORY_LIMIT_MAX}")
        return await host.to_thread(read_calls, engine.paths.history_db, limit)

    server.handle("get_config", get_config)
    server.handle("put_config", put_config)
    server.handle("status", status)
    server.handle("history", history)
