"""Errors of the REST API in FastAPI's own validation shape, so clients read one format:
`{"detail": [{"loc": [...], "msg": "...", "type": "..."}]}`."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException

from web_ui.engine import ControlError, EngineUnavailable, field_errors
from web_ui.forms import split_path

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not logged in"},
    403: {"description": "Not allowed for this role, or the CSRF token is missing"},
    404: {"description": "No such item"},
    503: {"description": "The engine is not reachable"},
}


def engine_refusal(
    error: ControlError | EngineUnavailable, *, prefix: tuple[Any, ...] = ("body",)
) -> HTTPException:
    if isinstance(error, EngineUnavailable):
        return HTTPException(503, str(error))
    problems = field_errors(error)
    if not problems:
        return HTTPException(422, [{"loc": list(prefix), "msg": str(error), "type": error.code}])
    return HTTPException(
        422,
        [
            {"loc": [*prefix, *split_path(path)], "msg": reason, "type": "config"}
            for path, reason in problems.items()
        ],
    )
