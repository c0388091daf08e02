"""Employees: who has which extension and phones, and their web login."""

from __future__ import annotations

import copy
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from firmware.config.schema import Employee
from web_ui.auth.guard import require_admin
from web_ui.auth.store import PasswordTooWeak, Role
from web_ui.engine import ControlError, EngineUnavailable, field_errors
from web_ui.forms import apply_form, defaults, field_paths, form_fields
from web_ui.i18n import N_
from web_ui.pages.render import localizer, refresh_system, render
from web_ui.state import web_state

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_admin)])


def _index_of(config: dict[str, Any], extension: str) -> int | None:
    for index, employee in enumerate(config.get("employees", [])):
        if employee.get("extension") == extension:
            return index
    return None


@router.get("/employees")
async def employee_list(request: Request) -> Response:
    config = await refresh_system(request)
    accounts = web_state(request).accounts
    rows = [
        {**employee, "has_login": accounts.account_for_extension(employee["extension"]) is not None}
        for employee in (config or {}).get("employees", [])
    ]
    problem = "" if config is not None else N_("the engine is not reachable")
    return render(request, "employees.html", employees=rows, problem=problem)


async def _editor(
    request: Request,
    config: dict[str, Any],
    index: int,
    *,
    errors=None,
    status=200,
    **extra,  # type: ignore[no-untyped-def]
) -> Response:
    employees = config.get("employees", [])
    values = employees[index] if index < len(employees) else defaults(Employee)
    fields = form_fields(Employee, values, f"employees[{index}]")
    shown = field_paths(fields)
    return render(
        request,
        "employee.html",
        status,
        fields=fields,
        errors=errors or {},
        shown_paths=shown,
        employee=values,
        is_new=index >= len(employees),
        **extra,
    )


@router.get("/employees/new")
async def new_employee(request: Request) -> Response:
    config = await refresh_system(request) or {"employees": []}
    return await _editor(request, config, len(config.get("employees", [])))


@router.get("/employees/{extension}")
async def edit_employee(request: Request, extension: str) -> Response:
    config = await refresh_system(request)
    index = None if config is None else _index_of(config, extension)
    if config is None or index is None:
        return render(request, "message.html", 404, message=N_("no such employee"))
    return await _editor(request, config, index)


async def _save(request: Request, index: int | None) -> Response:
    state = web_state(request)
    config = await refresh_system(request)
    if config is None:
        return render(request, "message.html", 503, message=N_("the engine is not reachable"))
    document = copy.deepcopy(config)
    employees = document.setdefault("employees", [])
    if index is None:
        index = len(employees)
        employees.append({})
    form = {key: value for key, value in (await request.form()).items() if isinstance(value, str)}
    apply_form(Employee, document, f"employees[{index}]", form)
    try:
        await state.engine.save_config(document)
    except ControlError as error:
        return await _editor(request, document, index, errors=field_errors(error), status=422)
    except EngineUnavailable as error:
        return render(request, "message.html", 503, message=str(error))
    extension = employees[index].get("extension", "")
    state.accounts.audit(request.state.session.account.username, "employee.save", extension)
    return RedirectResponse(f"/employees/{extension}?saved=1", status_code=303)


@router.post("/employees/new")
async def create_employee(request: Request) -> Response:
    return await _save(request, None)


@router.post("/employees/{extension}")
async def update_employee(request: Request, extension: str) -> Response:
    config = await refresh_system(request)
    index = None if config is None else _index_of(config, extension)
    if index is None:
        return render(request, "message.html", 404, message=N_("no such employee"))
    return await _save(request, index)


@router.post("/employees/{extension}/delete")
async def delete_employee(request: Request, extension: str) -> Response:
    state = web_state(request)
    config = await refresh_system(request)
    index = None if config is None else _index_of(config, extension)
    if config is None or index is None:
        return render(request, "message.html", 404, message=N_("no such employee"))
    document = copy.deepcopy(config)
    del document["employees"][index]
    try:
        await state.engine.save_config(document)
    except ControlError as error:
        problems = "; ".join(f"{p}: {r}" for p, r in field_errors(error).items())
        return render(request, "message.html", 422, message=problems or str(error))
    account = state.accounts.account_for_extension(extension)
    if account is not None:
        state.accounts.delete(account.username)
    state.accounts.audit(request.state.session.account.username, "employee.delete", extension)
    return RedirectResponse("/employees", status_code=303)


@router.post("/employees/{extension}/login")
async def set_employee_login(
    request: Request, extension: str, password: str = Form("")
) -> Response:
    """Give an employee a web login (their extension) or a new password."""
    state = web_state(request)
    config = await refresh_system(request)
    if config is None or _index_of(config, extension) is None:
        return render(request, "message.html", 404, message=N_("no such employee"))
    _ = localizer(request).gettext
    try:
        if state.accounts.account_for_extension(extension) is None:
            state.accounts.create(extension, password, Role.EMPLOYEE, extension=extension)
        else:
            state.accounts.set_password(extension, password)
    except PasswordTooWeak as weak:
        index = _index_of(config, extension)
        assert index is not None
        return await _editor(request, config, index, status=422, login_error=_(str(weak)))
    state.accounts.audit(request.state.session.account.username, "account.password", extension)
    return RedirectResponse(f"/employees/{extension}?login=1", status_code=303)
