"""Call history, read straight from the history database."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel

from web_ui.api.v1.errors import ERROR_RESPONSES
from web_ui.auth.guard import require_admin
from web_ui.history import MAX_ROWS, HistoryFilter, HistoryUnreadable, read_history
from web_ui.state import web_state

router = APIRouter(
    tags=["history"], dependencies=[Depends(require_admin)], responses=ERROR_RESPONSES
)


class Leg(BaseModel):
    channel: str
    party: str
    role: str
    answered_at: float | None
    end_reason: str


class FaxRow(BaseModel):
    remote_ident: str
    pages: int
    modem: str
    bit_rate: int
    result: str


class CallRow(BaseModel):
    call_id: str
    direction: str
    from_number: str
    from_name: str
    to_number: str
    line_port: int | None
    started_at: float
    answered_at: float | None
    ended_at: float
    ring_s: float
    talk_s: float
    end_reason: str
    hung_up_by: str
    legs: list[Leg]
    fax: FaxRow | None = None


@router.get("/history", response_model=list[CallRow], summary="Calls, newest first")
async def history(
    request: Request,
    since: float | None = Query(None, description="seconds since the epoch"),
    until: float | None = Query(None, description="seconds since the epoch"),
    number: str = Query("", max_length=32),
    extension: str = Query("", max_length=8),
    outcome: Literal["", "answered", "missed"] = "",
    direction: Literal["", "internal", "inbound", "outbound"] = "",
    scenario: str = Query("", max_length=32, description="a scenario the call went through"),
    limit: int = Query(100, ge=1, le=MAX_ROWS),
) -> Any:
    wanted = HistoryFilter(
        since=since,
        until=until,
        number=number,
        extension=extension,
        outcome=outcome,
        direction=direction,
        scenario=scenario,
        limit=limit,
    )
    try:
        return read_history(web_state(request).paths.history_db, wanted)
    except HistoryUnreadable as error:
        raise HTTPException(503, str(error)) from None
