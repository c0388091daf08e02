"""Self-service: an employee's own do-not-disturb, forwarding, personal hours and
absences, password and language.

An employee may change only their own entry, and only the fields listed in
`SELF_SERVICE_FIELDS` and the parts of its `calls` section that are not skipped in
`CALLS_SKIPPED`; everything else in the document stays as the office set it.
"""

from __future__ import annotations

import copy
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from firmware.config.people import EmployeeCalls
from web_ui.auth.guard import require_user
from web_ui.auth.store import Account, LoginRefused, PasswordTooWeak
from web_ui.engine import ControlError, EngineUnavailable, field_errors
from web_ui.forms import apply_form, field_paths, form_fields
from web_ui.i18n import LANGUAGES, N_
from web_ui.pages.render import localizer, refresh_system, render
from web_ui.state import web_state

router = APIRouter(include_in_schema=False)
SELF_SERVICE_FIELDS = ("do_not_disturb",)
# What of the `calls` section only the office sets: which devices ring and how, and the box.
CALLS_SKIPPED = ("external_numbers", "ring", "device_answer_s", "voicemail_box")


def own_entry(config: dict[str, Any], account: Account) -> tuple[int, dict[str, Any]] | None:
    for index, employee in enumerate(config.get("employees", [])):
        if account.extension and employee.get("extension") == account.extension:
            return index, employee
    return None


async def save_own(request: Request, account: Account, changes: dict[str, Any]) -> dict[str, str]:
    """Apply `changes` (self-service fields only) to the account's employee; the engine's
    errors by field, or {} when saved."""
    state = web_state(request)
    config = await refresh_system(request)
    found = None if config is None else own_entry(config, account)
    if config is None or found is None:
        return {"(document)": N_("your employee entry was not found")}
    index, _ = found
    document = copy.deepcopy(config)
    for name, value in changes.items():
        if name in SELF_SERVICE_FIELDS:
            document["employees"][index][name] = value
    try:
        await state.engine.save_config(document)
    except ControlError as error:
        return field_errors(error) or {"(document)": str(error)}
    except EngineUnavailable as error:
        return {"(document)": str(error)}
    state.accounts.audit(account.username, "self.save", ", ".join(sorted(changes)))
    return {}


def _page(
    request: Request,
    config: dict[str, Any],
    account: Account,
    status: int = 200,
    errors: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    """The page; `config` may be an unsaved document, so a refused form shows what was typed."""
    found = own_entry(config, account)
    calls_fields: list[Any] = []
    if found is not None:
        index, employee = found
        calls_fields = form_fields(
            EmployeeCalls, employee.get("calls") or {}, _calls_path(index), skip=CALLS_SKIPPED
        )
    extra.setdefault("saved", "")
    return render(
        request,
        "me.html",
        status,
        employee=found[1] if found else None,
        errors=errors or {},
        calls_fields=calls_fields,
        shown_paths=field_paths(calls_fields),
        **extra,
    )


def _calls_path(index: int) -> str:
    return f"employees[{index}].calls"


@router.get("/me")
async def my_page(request: Request, account: Account = Depends(require_user)) -> Response:
    config = await refresh_system(request) or {}
    return _page(request, config, account, saved=request.query_params.get("saved", ""))


@router.post("/me/calls")
async def save_my_calls(request: Request, account: Account = Depends(require_user)) -> Response:
    """Forwarding, personal hours and absences: the form covers only the employee's own
    `calls` section, so nothing else in the document can change."""
    state = web_state(request)
    config = await refresh_system(request)
    found = None if config is None else own_entry(config, account)
    if config is None or found is None:
        problem = {"(document)": N_("your employee entry was not found")}
        return _page(request, config or {}, account, 422, problem)
    index, _ = found
    form = {key: value for key, value in (await request.form()).items() if isinstance(value, str)}
    document = copy.deepcopy(config)
    document["employees"][index].setdefault("calls", {})
    apply_form(EmployeeCalls, document, _calls_path(index), form, skip=CALLS_SKIPPED)
    try:
        await state.engine.save_config(document)
    except ControlError as error:
        errors = field_errors(error) or {"(document)": str(error)}
        return _page(request, document, account, 422, errors)
    except EngineUnavailable as error:
        return _page(request, document, account, 503, {"(document)": str(error)})
    state.accounts.audit(account.username, "self.save", "calls")
    return RedirectResponse("/me?saved=calls", status_code=303)


@router.post("/me")
async def save_my_settings(request: Request, account: Account = Depends(require_user)) -> Response:
    form = await request.form()
    errors = await save_own(request, account, {"do_not_disturb": "do_not_disturb" in form})
    if errors:
        return _page(request, await refresh_system(request) or {}, account, 422, errors)
    return RedirectResponse("/me?saved=settings", status_code=303)


@router.post("/me/password")
async def change_password(
    request: Request,
    current: str = Form(""),
    new: str = Form(""),
    account: Account = Depends(require_user),
) -> Response:
    state = web_state(request)
    _ = localizer(request).gettext
    try:
        state.accounts.log_in(account.username, current)
        state.accounts.set_password(account.username, new)
    except (LoginRefused, PasswordTooWeak) as refusal:
        said = refusal.say(_) if isinstance(refusal, LoginRefused) else _(str(refusal))
        config = await refresh_system(request) or {}
        return _page(request, config, account, 422, password_error=said)
    state.accounts.audit(account.username, "self.password")
    session = state.accounts.log_in(account.username, new)
    response = RedirectResponse("/me?saved=password", status_code=303)
    response.set_cookie("sb_session", session.token, httponly=True, samesite="strict", path="/")
    return response


@router.post("/me/language")
async def change_language(
    request: Request, language: str = Form(""), account: Account = Depends(require_user)
) -> Response:
    if language in LANGUAGES:
        web_state(request).accounts.set_language(account.username, language)
    return RedirectResponse(request.headers.get("referer") or "/me", status_code=303)
