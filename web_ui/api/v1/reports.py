"""Reports over the call history, as tables: per scenario, per call-centre member, per
employee, and the missed calls; read straight from the history database."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel

from web_ui.api.v1.errors import ERROR_RESPONSES
from web_ui.auth.guard import require_admin
from web_ui.reports import Period, ReportUnreadable, read_reports
from web_ui.state import web_state

router = APIRouter(
    tags=["reports"], dependencies=[Depends(require_admin)], responses=ERROR_RESPONSES
)
Dimension = Literal["line", "call_type", "end_reason", "operation", "call_centre", "employee"]
Cell = str | int | float | None


class ReportTable(BaseModel):
    columns: list[str]
    rows: list[list[Cell]]


class CallCentreLoad(BaseModel):
    by_hour: list[int]
    by_weekday: list[int]


class ReportSet(BaseModel):
    scenarios: ReportTable
    members: ReportTable
    employees: ReportTable
    missed: ReportTable
    load: dict[str, CallCentreLoad]


@router.get("/reports", response_model=ReportSet, summary="Every report for a period")
async def reports(
    request: Request,
    since: float = Query(0.0, ge=0, description="seconds since the epoch"),
    until: float = Query(4102444800.0, ge=0, description="seconds since the epoch"),
    by: Dimension | None = Query(None, description="second dimension of the scenario table"),
    service_level_s: float = Query(20.0, ge=1, le=600),
) -> Any:
    state = web_state(request)
    try:
        found = read_reports(
            state.paths.history_db,
            Period(since, until),
            by=by,
            service_level_s=service_level_s,
            timezone=state.system.get("timezone", "UTC"),
        )
    except ReportUnreadable as error:
        raise HTTPException(503, str(error)) from None

    def table(chosen: Any) -> dict[str, Any]:
        return {"columns": chosen.columns, "rows": [list(row) for row in chosen.rows]}

    return {
        "scenarios": table(found.scenarios),
        "members": table(found.members),
        "employees": table(found.employees),
        "missed": table(found.missed),
        "load": {
            centre: {"by_hour": load.by_hour, "by_weekday": load.by_weekday}
            for centre, load in found.loads.items()
        },
    }
