"""Reports: calls per scenario (with a second dimension), call-centre load by hour and
weekday, call-centre members, employees and missed calls; tables with charts, and CSV."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, time, timedelta

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from firmware.routing.reports import DEFAULT_SERVICE_LEVEL_S, Table
from web_ui.auth.guard import require_admin
from web_ui.charts import bar_chart
from web_ui.i18n import N_
from web_ui.pages.render import localizer, refresh_system, render
from web_ui.reports import DIMENSIONS, Period, Reports, ReportUnreadable, read_reports
from web_ui.state import web_state

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_admin)])
DEFAULT_DAYS = 30
WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
DIMENSION_LABELS = {
    "line": N_("line"),
    "call_type": N_("call type"),
    "end_reason": N_("result"),
    "operation": N_("operation"),
    "call_centre": N_("call centre"),
    "employee": N_("employee"),
}
# Column headings of every report table, translated when drawn.
COLUMNS = {
    "scenario": N_("Scenario"),
    "total": N_("Total"),
    "completed": N_("Completed"),
    "without_conversation": N_("Without conversation"),
    "with_transfer": N_("With transfer"),
    "re_entered": N_("Re-entered"),
    "by_option": N_("By operator option"),
    "average_total_s": N_("Average duration, s"),
    "average_talk_s": N_("Average talk, s"),
    "call_centre": N_("Call centre"),
    "member": N_("Member"),
    "offered": N_("Offered"),
    "answered": N_("Answered"),
    "passed_over": N_("Passed over"),
    "busy": N_("Busy"),
    "rang_s": N_("Rang, s"),
    "employee": N_("Employee"),
    "answered_for_colleagues": N_("Answered for colleagues"),
    "missed": N_("Missed"),
    "missed_to_voicemail": N_("Missed, to voicemail"),
    "at": N_("When"),
    "caller": N_("Caller"),
    "waited_s": N_("Waited, s"),
    "members": N_("Members rung"),
}
TABLES = ("scenarios", "members", "employees", "missed")


def _choices(request: Request) -> tuple[Period, str | None, float, dict[str, str]]:
    query = request.query_params
    tz = localizer(request).tz
    today = datetime.now(tz).date()

    def day(name: str, default: datetime) -> datetime:
        try:
            return datetime.combine(datetime.strptime(query.get(name, ""), "%Y-%m-%d"), time(), tz)
        except ValueError:
            return default

    start = day("from", datetime.combine(today - timedelta(days=DEFAULT_DAYS - 1), time(), tz))
    end = day("to", datetime.combine(today, time(), tz))
    by = query.get("by") if query.get("by") in DIMENSIONS else None
    try:
        level = float(query.get("service_level", DEFAULT_SERVICE_LEVEL_S))
    except ValueError:
        level = DEFAULT_SERVICE_LEVEL_S
    level = min(max(level, 1.0), 600.0)
    shown = {
        "from": start.date().isoformat(),
        "to": end.date().isoformat(),
        "by": by or "",
        "service_level": f"{level:g}",
    }
    period = Period(start.timestamp(), (end + timedelta(days=1)).timestamp())
    return period, by, level, shown


def _read(request: Request) -> tuple[Reports | None, str, dict[str, str], float]:
    period, by, level, shown = _choices(request)
    state = web_state(request)
    try:
        found = read_reports(
            state.paths.history_db,
            period,
            by=by,
            service_level_s=level,
            timezone=state.system.get("timezone", "UTC"),
        )
    except ReportUnreadable as error:
        return None, str(error), shown, level
    return found, "", shown, level


def _heading(column: str, level: float) -> str:
    if column.startswith("service_level_"):
        return N_("Answered within the service level, %")
    return COLUMNS.get(column) or DIMENSION_LABELS.get(column, column)


TRANSLATED_VALUES = ("end_reason", "call_type")


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def _cells(table: Table, request: Request) -> list[list[str]]:
    """Each value as the user reads it: times and numbers in their locale, engine words in
    their language."""
    l10n = localizer(request)
    rows = []
    for row in table.rows:
        cells = []
        for column, value in zip(table.columns, row, strict=True):
            if column == "at":
                cells.append(l10n.datetime(_number(value)))
            elif column == "members":
                rung = json.loads(str(value) or "[]")
                cells.append(
                    ", ".join(f"{m['member']} ({l10n.number(m['rang_s'])} s)" for m in rung)
                )
            elif isinstance(value, float):
                cells.append(l10n.number(value, 1))
            elif isinstance(value, int):
                cells.append(l10n.number(value))
            elif column in TRANSLATED_VALUES and value:
                cells.append(l10n.gettext(str(value)))
            else:
                cells.append(str(value) if value not in (None, "") else "—")
        rows.append(cells)
    return rows


@router.get("/reports")
async def reports_page(request: Request) -> Response:
    await refresh_system(request)
    found, problem, shown, level = _read(request)
    _ = localizer(request).gettext
    charts = {}
    if found is not None:
        totals: dict[str, float] = {}
        for row in found.scenarios.rows:
            totals[str(row[0])] = totals.get(str(row[0]), 0) + _number(row[2 if shown["by"] else 1])
        if totals:
            charts["scenarios"] = bar_chart(
                list(totals), list(totals.values()), title=_("Calls per scenario")
            )
        for centre, load in found.loads.items():
            charts[f"hour:{centre}"] = bar_chart(
                [f"{hour:02d}" for hour in range(24)],
                load.by_hour,
                title=_("Calls by hour of day"),
            )
            charts[f"weekday:{centre}"] = bar_chart(
                [_(day) for day in WEEKDAYS],
                load.by_weekday,
                title=_("Calls by weekday"),
                width=360,
            )
    return render(
        request,
        "reports.html",
        reports=found,
        problem=problem,
        chosen=shown,
        dimensions=DIMENSION_LABELS,
        heading=lambda column: _heading(column, level),
        charts=charts,
        cells={name: _cells(getattr(found, name), request) for name in TABLES} if found else {},
    )


@router.get("/reports/{table}.csv")
async def report_csv(request: Request, table: str) -> Response:
    found, problem, _shown, _level = _read(request)
    if table not in TABLES:
        return Response(f"no report {table!r}", status_code=404, media_type="text/plain")
    if found is None:
        return Response(problem, status_code=503, media_type="text/plain")
    chosen: Table = getattr(found, table)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(chosen.columns)
    writer.writerows(chosen.rows)
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="report-{table}.csv"'},
    )
