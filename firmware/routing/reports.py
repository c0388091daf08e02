"""Reports over the call history: per scenario (with a second dimension), per call-centre
member, per employee (missed-call attribution), and the missed calls themselves.

Queries only; they read the tables call control writes (`calls`, `legs`) and the ones
routing adds (history migration 2, in `firmware.storage.migrations`). Columns per
scenario follow what users of cloud PBXs know:
total, completed (routing ended in this scenario), without conversation, with transfer,
re-entered, started by an operator's option, average total duration, average talk time and
the service level (answered within N seconds).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path

from firmware.storage.migrations import migrate

DEFAULT_SERVICE_LEVEL_S = 20.0

# The second dimension: SQL yielding (call_id, scenario, value) for the calls of `entries`.
DIMENSIONS = {
    "line": "SELECT e.call_id, e.scenario, COALESCE('FXO/' || c.line_port, '') AS value"
    " FROM entries e LEFT JOIN calls c ON c.call_id = e.call_id",
    "call_type": "SELECT e.call_id, e.scenario, COALESCE(c.direction, '') AS value"
    " FROM entries e LEFT JOIN calls c ON c.call_id = e.call_id",
    "end_reason": "SELECT e.call_id, e.scenario, COALESCE(c.end_reason, '') AS value"
    " FROM entries e LEFT JOIN calls c ON c.call_id = e.call_id",
    "operation": "SELECT DISTINCT s.call_id, s.scenario, s.operation AS value FROM call_steps s"
    " JOIN entries e ON e.call_id = s.call_id AND e.scenario = s.scenario"
    " WHERE s.kind NOT IN ('scenario', 'safe_end', 'forwarding', 'error')",
    "call_centre": "SELECT DISTINCT s.call_id, s.scenario, s.subject AS value FROM call_steps s"
    " JOIN entries e ON e.call_id = s.call_id AND e.scenario = s.scenario"
    " WHERE s.kind = 'call_centre'",
    "employee": "SELECT e.call_id, e.scenario, COALESCE(a.employee,"
    " (SELECT l.party FROM legs l WHERE l.call_id = e.call_id AND l.channel LIKE 'FXS/%'"
    " AND l.answered_at IS NOT NULL ORDER BY l.id LIMIT 1), '') AS value"
    " FROM entries e LEFT JOIN call_attribution a ON a.call_id = e.call_id",
}

SCENARIO_QUERY = """
WITH entries AS (
    SELECT call_id, scenario,
           MAX(exit = 're_entered') AS re_entered,
           MAX(exit = 'operator') AS by_option
    FROM call_steps
    WHERE kind = 'scenario' AND at >= :since AND at < :until
    GROUP BY call_id, scenario
),
dimension AS ({dimension})
SELECT e.scenario,
       d.value,
       COUNT(*) AS total,
       SUM((SELECT l.scenario FROM call_steps l WHERE l.call_id = e.call_id
            ORDER BY l.seq DESC LIMIT 1) = e.scenario) AS completed,
       SUM(COALESCE(c.talk_s, 0) = 0) AS without_conversation,
       SUM(EXISTS (SELECT 1 FROM legs t WHERE t.call_id = e.call_id AND t.role = 'transfer'))
           AS with_transfer,
       SUM(e.re_entered) AS re_entered,
       SUM(e.by_option) AS by_option,
       AVG(c.ended_at - c.started_at) AS average_total_s,
       AVG(c.talk_s) AS average_talk_s,
       SUM(c.answered_at IS NOT NULL AND c.ring_s <= :service_level_s) AS within_service_level
FROM entries e
JOIN dimension d ON d.call_id = e.call_id AND d.scenario = e.scenario
LEFT JOIN calls c ON c.call_id = e.call_id
GROUP BY e.scenario, d.value
ORDER BY e.scenario, d.value
"""

NO_DIMENSION = "SELECT call_id, scenario, '' AS value FROM entries"

MEMBER_QUERY = """
SELECT call_centre, member,
       COUNT(*) AS offered,
       SUM(outcome = 'answered') AS answered,
       SUM(outcome = 'no_answer') AS passed_over,
       SUM(outcome = 'busy') AS busy,
       SUM(rang_s) AS rang_s
FROM ring_attempts
WHERE at >= :since AND at < :until AND call_centre != ''
GROUP BY call_centre, member
ORDER BY call_centre, member
"""

EMPLOYEE_QUERY = """
SELECT a.employee,
       SUM(a.outcome = 'answered') AS answered,
       SUM(a.outcome = 'answered' AND a.forwarded_from != '') AS answered_for_colleagues,
       SUM(a.outcome = 'missed') AS missed,
       SUM(a.outcome = 'missed' AND a.note = 'voicemail') AS missed_to_voicemail
FROM call_attribution a
JOIN (SELECT call_id, MIN(at) AS at FROM call_steps GROUP BY call_id) s
  ON s.call_id = a.call_id
WHERE s.at >= :since AND s.at < :until
GROUP BY a.employee
ORDER BY a.employee
"""

MISSED_QUERY = """
SELECT at, call_centre, employee, caller, waited_s, members
FROM missed_calls WHERE at >= :since AND at < :until ORDER BY at
"""


LOAD_QUERY = """
SELECT subject, call_id, MIN(at) AS at FROM call_steps
WHERE kind = 'call_centre' AND subject != '' AND at >= :since AND at < :until
GROUP BY subject, call_id
"""


@dataclass
class Load:
    """Calls that reached a call centre, by local hour of day and by weekday (Monday first)."""

    by_hour: list[int] = field(default_factory=lambda: [0] * 24)
    by_weekday: list[int] = field(default_factory=lambda: [0] * 7)

    @property
    def total(self) -> int:
        return sum(self.by_hour)


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[tuple[object, ...]]


class UnknownDimension(ValueError):
    pass


def open_history(path: Path) -> sqlite3.Connection:
    """A connection for reports; the routing tables are added if the engine has not yet."""
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA busy_timeout=5000")
    migrate(connection)
    _ensure_call_tables(connection)
    return connection


def scenario_report(
    connection: sqlite3.Connection,
    *,
    by: str | None = None,
    since: float = 0.0,
    until: float = float("inf"),
    service_level_s: float = DEFAULT_SERVICE_LEVEL_S,
) -> Table:
    if by is not None and by not in DIMENSIONS:
        raise UnknownDimension(f"no dimension {by!r}; choose one of {', '.join(DIMENSIONS)}")
    query = SCENARIO_QUERY.format(dimension=DIMENSIONS[by] if by else NO_DIMENSION)
    rows = []
    for row in connection.execute(
        query, {"since": since, "until": until, "service_level_s": service_level_s}
    ):
        scenario, value, total, *counts, average_total, average_talk, within = row
        level = round(100.0 * within / total, 1) if total else 0.0
        averages = [round(average_total or 0.0, 1), round(average_talk or 0.0, 1)]
        rows.append((scenario, *([value] if by else []), total, *counts, *averages, level))
    columns = [
        "scenario",
        *([by] if by else []),
        "total",
        "completed",
        "without_conversation",
        "with_transfer",
        "re_entered",
        "by_option",
        "average_total_s",
        "average_talk_s",
        f"service_level_{service_level_s:g}s_percent",
    ]
    return Table(columns, rows)


def member_report(
    connection: sqlite3.Connection, *, since: float = 0.0, until: float = float("inf")
) -> Table:
    cursor = connection.execute(MEMBER_QUERY, {"since": since, "until": until})
    return _table(cursor)


def employee_report(
    connection: sqlite3.Connection, *, since: float = 0.0, until: float = float("inf")
) -> Table:
    cursor = connection.execute(EMPLOYEE_QUERY, {"since": since, "until": until})
    return _table(cursor)


def missed_calls(
    connection: sqlite3.Connection, *, since: float = 0.0, until: float = float("inf")
) -> Table:
    return _table(connection.execute(MISSED_QUERY, {"since": since, "until": until}))


def call_centre_load(
    connection: sqlite3.Connection,
    *,
    timezone: tzinfo,
    since: float = 0.0,
    until: float = float("inf"),
) -> dict[str, Load]:
    """Per call centre, how many calls reached it in each hour of the day and on each
    weekday, in the office's time zone."""
    loads: dict[str, Load] = {}
    for subject, _call_id, at in connection.execute(LOAD_QUERY, {"since": since, "until": until}):
        local = datetime.fromtimestamp(at, timezone)
        load = loads.setdefault(subject, Load())
        load.by_hour[local.hour] += 1
        load.by_weekday[local.weekday()] += 1
    return dict(sorted(loads.items()))


def _table(cursor: sqlite3.Cursor) -> Table:
    columns = [description[0] for description in cursor.description]
    return Table(columns, [tuple(row) for row in cursor.fetchall()])


def _ensure_call_tables(connection: sqlite3.Connection) -> None:
    """A history written before any call has no `calls`/`legs` yet: report zero calls."""
    connection.executescript(
        """
        CREATE TABLE IF NOT EXISTS calls (
            id INTEGER PRIMARY KEY, call_id TEXT NOT NULL UNIQUE, direction TEXT NOT NULL,
            from_number TEXT NOT NULL, from_name TEXT NOT NULL DEFAULT '',
            to_number TEXT NOT NULL, line_port INTEGER, started_at REAL NOT NULL,
            answered_at REAL, ended_at REAL NOT NULL, ring_s REAL NOT NULL,
            talk_s REAL NOT NULL, end_reason TEXT NOT NULL,
            hung_up_by TEXT NOT NULL DEFAULT '');
        CREATE TABLE IF NOT EXISTS legs (
            id INTEGER PRIMARY KEY, call_id TEXT NOT NULL, channel TEXT NOT NULL,
            party TEXT NOT NULL, role TEXT NOT NULL, started_at REAL NOT NULL,
            answered_at REAL, ended_at REAL NOT NULL, end_reason TEXT NOT NULL);
        """
    )
