"""The logged-in employee's own settings."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict

from web_ui.api.v1.errors import ERROR_RESPONSES
from web_ui.auth.guard import require_user
from web_ui.auth.store import Account
from web_ui.pages.me import own_entry, save_own
from web_ui.pages.render import refresh_system

router = APIRouter(tags=["self-service"], responses=ERROR_RESPONSES)


class MySettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    do_not_disturb: bool | None = None


class Me(BaseModel):
    username: str
    role: str
    extension: str
    name: str = ""
    do_not_disturb: bool = False


async def _me(request: Request, account: Account) -> Me:
    config = await refresh_system(request) or {}
    found = own_entry(config, account)
    employee = found[1] if found else {}
    return Me(
        username=account.username,
        role=account.role,
        extension=account.extension,
        name=employee.get("name", ""),
        do_not_disturb=bool(employee.get("do_not_disturb", False)),
    )


@router.get("/me", response_model=Me)
async def get_me(request: Request, account: Account = Depends(require_user)) -> Any:
    return await _me(request, account)


@router.patch("/me", response_model=Me)
async def change_me(
    request: Request, settings: MySettings, account: Account = Depends(require_user)
) -> Any:
    changes = settings.model_dump(exclude_none=True)
    if changes:
        errors = await save_own(request, account, changes)
        if errors:
            raise HTTPException(
                422,
                [
                    {"loc": ["body", path], "msg": reason, "type": "config"}
                    for path, reason in errors.items()
                ],
            )
    return await _me(request, account)
