"""Employees as a resource: list, read, create, change, delete."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response

from firmware.config.schema import Employee
from web_ui.api.v1.config import _current, _save
from web_ui.api.v1.errors import ERROR_RESPONSES
from web_ui.auth.guard import require_admin
from web_ui.state import web_state

router = APIRouter(
    tags=["employees"], dependencies=[Depends(require_admin)], responses=ERROR_RESPONSES
)


def _find(document: dict[str, Any], extension: str) -> int:
    for index, employee in enumerate(document.get("employees", [])):
        if employee["extension"] == extension:
            return index
    raise HTTPException(404, f"no employee with extension {extension}")


@router.get("/employees", response_model=list[Employee])
async def list_employees(request: Request) -> Any:
    return (await _current(request)).get("employees", [])


@router.post("/employees", response_model=Employee, status_code=201)
async def create_employee(request: Request, employee: Employee) -> Any:
    document = await _current(request)
    document.setdefault("employees", []).append(employee.model_dump(mode="json"))
    saved = await _save(request, document, f"employee {employee.extension}")
    return saved["employees"][-1]


@router.get("/employees/{extension}", response_model=Employee)
async def get_employee(request: Request, extension: str) -> Any:
    document = await _current(request)
    return document["employees"][_find(document, extension)]


@router.put("/employees/{extension}", response_model=Employee)
async def replace_employee(request: Request, extension: str, employee: Employee) -> Any:
    document = await _current(request)
    index = _find(document, extension)
    document["employees"][index] = employee.model_dump(mode="json")
    saved = await _save(request, document, f"employee {extension}")
    return saved["employees"][index]


@router.delete("/employees/{extension}", status_code=204)
async def delete_employee(request: Request, extension: str) -> Response:
    document = await _current(request)
    del document["employees"][_find(document, extension)]
    await _save(request, document, f"employee {extension} deleted")
    account = web_state(request).accounts.account_for_extension(extension)
    if account is not None:
        web_state(request).accounts.delete(account.username)
    return Response(status_code=204)
