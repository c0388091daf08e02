"""The web process's way to the engine: one control-API request at a time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from firmware.control.client import ControlClient, ControlError, EngineUnavailable

__all__ = ["ControlError", "EngineLink", "EngineUnavailable"]


class EngineLink:
    def __init__(self, socket_path: Path) -> None:
        self.socket_path = socket_path

    async def request(self, op: str, **arguments: Any) -> Any:
        async with ControlClient(self.socket_path) as client:
            return await client.request(op, **arguments)

    async def config(self) -> dict[str, Any]:
        document: dict[str, Any] = await self.request("get_config")
        return document

    async def save_config(self, document: dict[str, Any]) -> dict[str, Any]:
        """Save a whole document; a refusal raises ControlError with `details["errors"]`."""
        saved: dict[str, Any] = await self.request("put_config", config=document)
        return saved


def field_errors(error: ControlError) -> dict[str, str]:
    """The engine's `path: reason` list as a mapping for the form that was sent."""
    problems = error.details.get("errors") or []
    return {problem["path"]: problem["reason"] for problem in problems}
