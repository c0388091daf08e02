"""Call history with filters, and its CSV export."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from web_ui.auth.guard import require_admin
from web_ui.history import HistoryFilter, HistoryUnreadable, as_csv, read_history
from web_ui.pages.render import localizer, refresh_system, render
from web_ui.state import web_state

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_admin)])


def history_filter(request: Request) -> HistoryFilter:
    """The filter from the query string; dates are days in the system's time zone."""
    query = request.query_params
    tz = localizer(request).tz

    def day(name: str, plus_days: int = 0) -> float | None:
        text = query.get(name, "")
        try:
            date = datetime.strptime(text, "%Y-%m-%d").date()
        except ValueError:
            return None
        return (datetime.combine(date, time(), tz) + timedelta(days=plus_days)).timestamp()

    limit = query.get("limit", "200")
    return HistoryFilter(
        since=day("from"),
        until=day("to", plus_days=1),
        number=query.get("number", "").strip()[:32],
        extension=query.get("extension", "").strip()[:8],
        outcome=query.get("outcome", "") if query.get("outcome") in ("answered", "missed") else "",
        direction=query.get("direction", "")
        if query.get("direction") in ("internal", "inbound", "outbound")
        else "",
        scenario=query.get("scenario", "").strip()[:32],
        limit=int(limit) if limit.isdigit() else 200,
    )


@router.get("/history")
async def history_page(request: Request) -> Response:
    config = await refresh_system(request) or {}
    try:
        calls, problem = (
            read_history(web_state(request).paths.history_db, history_filter(request)),
            "",
        )
    except HistoryUnreadable as error:
        calls, problem = [], str(error)
    scenarios = [s.get("id", "") for s in config.get("routing", {}).get("scenarios", [])]
    return render(
        request,
        "history.html",
        calls=calls,
        query=request.query_params,
        problem=problem,
        scenarios=scenarios,
    )


@router.get("/history.csv")
async def history_csv(request: Request) -> Response:
    calls = read_history(web_state(request).paths.history_db, history_filter(request))
    return Response(
        as_csv(calls),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="call-history.csv"'},
    )
