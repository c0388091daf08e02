"""The dashboard: what every port is doing right now, followed live."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from web_ui.auth.guard import require_user
from web_ui.auth.store import Account
from web_ui.engine import ControlError, EngineUnavailable
from web_ui.pages.render import localizer, refresh_system, render
from web_ui.state import web_state
from web_ui.words import LIVE_WORDS

router = APIRouter(include_in_schema=False)


@router.get("/")
async def dashboard(request: Request, account: Account = Depends(require_user)) -> Response:
    if not account.is_admin:
        return RedirectResponse("/me", status_code=303)
    await refresh_system(request)
    try:
        status = await web_state(request).engine.request("status")
        problem = ""
    except (EngineUnavailable, ControlError) as error:
        status, problem = {"ports": [], "system": {}}, str(error)
    try:
        mail = await web_state(request).engine.request("mail_status", limit=1)
    except (EngineUnavailable, ControlError):
        mail = {"counts": {}}
    try:
        centres = await web_state(request).engine.request("call_centres")
    except (EngineUnavailable, ControlError):
        centres = []
    alarms = [port for port in status["ports"] if port.get("health") in ("alarm", "failed")]
    _ = localizer(request).gettext
    words = {word: _(word) for word in LIVE_WORDS}
    return render(
        request,
        "dashboard.html",
        status=status,
        problem=problem,
        alarms=alarms,
        words=words,
        centres=centres,
        mail_waiting=sum(mail["counts"].get(state, 0) for state in ("queued", "failed")),
        mail_failing=mail["counts"].get("failed", 0),
    )
