"""Call centres (ring groups and queues): who shares the calls and how."""

from __future__ import annotations

import copy
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from firmware.config.routing import CallCentre
from web_ui.auth.guard import require_admin
from web_ui.choices import offer_choices
from web_ui.engine import ControlError, EngineUnavailable, field_errors
from web_ui.forms import apply_form, defaults, field_paths, form_fields
from web_ui.i18n import N_
from web_ui.pages.render import refresh_system, render
from web_ui.state import web_state

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_admin)])
NOT_FOUND = N_("there is no such call centre")


def _centres(config: dict[str, Any]) -> list[dict[str, Any]]:
    centres: list[dict[str, Any]] = config.setdefault("routing", {}).setdefault("call_centres", [])
    return centres


def _index(config: dict[str, Any], centre_id: str) -> int | None:
    return next((i for i, c in enumerate(_centres(config)) if c.get("id") == centre_id), None)


PRESENCE = (N_("talking"), N_("ringing"), N_("wrap_up"), N_("busy"), N_("free"))


async def live_centres(request: Request) -> tuple[dict[str, Any], str]:
    """Each call centre's callers waiting and members' presence, by id, from the engine."""
    try:
        rows = await web_state(request).engine.request("call_centres")
    except (EngineUnavailable, ControlError) as error:
        return {}, str(error)
    return {row["id"]: row for row in rows}, ""


@router.get("/call-centres")
async def centre_list(request: Request) -> Response:
    config = await refresh_system(request) or {}
    live, problem = await live_centres(request)
    return render(
        request, "call_centres.html", centres=_centres(config), live=live, problem=problem
    )


@router.post("/call-centres/agents/{extension}")
async def agent_login(request: Request, extension: str, logged_in: str = Form("")) -> Response:
    """Log a member in or out on their behalf, as their feature codes would."""
    state = web_state(request)
    try:
        await state.engine.request("agent_login", extension=extension, logged_in=logged_in == "1")
    except ControlError as error:
        return render(request, "message.html", 404, message=str(error))
    except EngineUnavailable as error:
        return render(request, "message.html", 503, message=str(error))
    action = "agent.log_in" if logged_in == "1" else "agent.log_out"
    state.accounts.audit(request.state.session.account.username, action, extension)
    return RedirectResponse("/call-centres", status_code=303)


def _editor(
    request: Request, config: dict[str, Any], index: int, errors=None, status=200
) -> Response:  # type: ignore[no-untyped-def]
    centres = _centres(config)
    values = centres[index] if index < len(centres) else defaults(CallCentre)
    fields = offer_choices(
        form_fields(CallCentre, values, f"routing.call_centres[{index}]"), config
    )
    return render(
        request,
        "call_centre.html",
        status,
        fields=fields,
        errors=errors or {},
        shown_paths=field_paths(fields),
        centre=values,
        is_new=index >= len(centres),
        saved=request.query_params.get("saved", ""),
    )


@router.get("/call-centres/new")
async def new_centre(request: Request) -> Response:
    config = await refresh_system(request) or {}
    return _editor(request, config, len(_centres(config)))


@router.get("/call-centres/{centre_id}")
async def edit_centre(request: Request, centre_id: str) -> Response:
    config = await refresh_system(request) or {}
    index = _index(config, centre_id)
    if index is None:
        return render(request, "message.html", 404, message=NOT_FOUND)
    return _editor(request, config, index)


async def _save(request: Request, centre_id: str | None) -> Response:
    state = web_state(request)
    config = await refresh_system(request)
    if config is None:
        return render(request, "message.html", 503, message=N_("the engine is not reachable"))
    document = copy.deepcopy(config)
    centres = _centres(document)
    index = len(centres) if centre_id is None else _index(document, centre_id)
    if index is None:
        return render(request, "message.html", 404, message=NOT_FOUND)
    if index == len(centres):
        centres.append({})
    form = {key: value for key, value in (await request.form()).items() if isinstance(value, str)}
    apply_form(CallCentre, document, f"routing.call_centres[{index}]", form)
    try:
        await state.engine.save_config(document)
    except ControlError as error:
        return _editor(request, document, index, field_errors(error), status=422)
    except EngineUnavailable as error:
        return render(request, "message.html", 503, message=str(error))
    saved_id = centres[index].get("id", "")
    state.accounts.audit(request.state.session.account.username, "call_centre.save", saved_id)
    return RedirectResponse(f"/call-centres/{saved_id}?saved=1", status_code=303)


@router.post("/call-centres/new")
async def create_centre(request: Request) -> Response:
    return await _save(request, None)


@router.post("/call-centres/{centre_id}")
async def update_centre(request: Request, centre_id: str) -> Response:
    return await _save(request, centre_id)


@router.post("/call-centres/{centre_id}/delete")
async def delete_centre(request: Request, centre_id: str) -> Response:
    state = web_state(request)
    config = await refresh_system(request) or {}
    index = _index(config, centre_id)
    if index is None:
        return render(request, "message.html", 404, message=NOT_FOUND)
    document = copy.deepcopy(config)
    del _centres(document)[index]
    try:
        await state.engine.save_config(document)
    except ControlError as error:
        return _editor(request, config, index, field_errors(error), status=422)
    state.accounts.audit(request.state.session.account.username, "call_centre.delete", centre_id)
    return RedirectResponse("/call-centres", status_code=303)
