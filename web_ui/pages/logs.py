"""The engine's recent log, newest last, filtered by level: what a technician reads first."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from web_ui.auth.guard import require_admin
from web_ui.engine import ControlError, EngineUnavailable
from web_ui.i18n import N_
from web_ui.pages.render import refresh_system, render
from web_ui.state import web_state

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_admin)])
LEVELS = {"INFO": N_("everything"), "WARNING": N_("warnings and errors"), "ERROR": N_("errors")}
SHOWN_LINES = 300


@router.get("/logs")
async def log_page(request: Request) -> Response:
    await refresh_system(request)
    level = request.query_params.get("level", "INFO")
    level = level if level in LEVELS else "INFO"
    try:
        lines = await web_state(request).engine.request("log_tail", count=SHOWN_LINES, level=level)
        problem = ""
    except (EngineUnavailable, ControlError) as error:
        lines, problem = [], str(error)
    return render(request, "logs.html", lines=lines, level=level, levels=LEVELS, problem=problem)
