"""The reports page's figures, read straight from the call history, read-only.

The queries are routing's own (`firmware.routing.reports`); here they run on a read-only
connection, so the web process cannot change the history, and a history the engine has not
yet written (no file, or no routing tables yet) reports zero calls rather than an error.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from firmware.routing import reports
from firmware.storage.database import open_reader

DIMENSIONS = tuple(reports.DIMENSIONS)


class ReportUnreadable(Exception):
    """The history file exists but cannot be read."""


@dataclass
class Period:
    since: float = 0.0
    until: float = float("inf")


@dataclass
class Reports:
    scenarios: reports.Table
    members: reports.Table
    employees: reports.Table
    missed: reports.Table
    loads: dict[str, reports.Load] = field(default_factory=dict)


EMPTY = reports.Table([], [])


def read_reports(
    db_path: Path,
    period: Period,
    *,
    by: str | None,
    service_level_s: float,
    timezone: str,
) -> Reports:
    if by is not None and by not in reports.DIMENSIONS:
        raise ValueError(f"no dimension {by!r}")
    if not db_path.exists():
        return Reports(EMPTY, EMPTY, EMPTY, EMPTY)
    span = {"since": period.since, "until": period.until}
    try:
        connection = open_reader(db_path)
        try:
            return Reports(
                scenarios=_or_empty(
                    reports.scenario_report,
                    connection,
                    by=by,
                    service_level_s=service_level_s,
                    **span,
                ),
                members=_or_empty(reports.member_report, connection, **span),
                employees=_or_empty(reports.employee_report, connection, **span),
                missed=_or_empty(reports.missed_calls, connection, **span),
                loads=_or_empty(
                    reports.call_centre_load, connection, timezone=ZoneInfo(timezone), **span
                )
                or {},
            )
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise ReportUnreadable(f"call history cannot be read: {error}") from None


def _or_empty(query, connection, **arguments):  # type: ignore[no-untyped-def]
    """A query's result, or an empty one when the engine has not created its tables yet."""
    try:
        return query(connection, **arguments)
    except sqlite3.OperationalError as error:
        if "no such table" in str(error):
            return EMPTY
        raise
