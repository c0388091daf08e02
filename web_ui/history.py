"""Call history as the web process reads it: straight from SQLite, read-only, with the
filters of the history page.

The engine is the only writer; a read-only connection means nothing here can change it, and
WAL mode lets us read while the engine writes. No engine is needed to read history.
"""

from __future__ import annotations

import csv
import io
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from firmware.storage.database import open_reader

MAX_ROWS = 5000


class HistoryUnreadable(Exception):
    """The history file exists but cannot be read (damaged, or not a database)."""


@dataclass(frozen=True)
class HistoryFilter:
    since: float | None = None  # seconds since the epoch
    until: float | None = None
    number: str = ""  # part of the caller's or the dialled number
    extension: str = ""  # an employee who took part
    outcome: str = ""  # "" / answered / missed
    direction: str = ""  # "" / internal / inbound / outbound
    scenario: str = ""  # a scenario the call went through
    limit: int = 200


def read_history(db_path: Path, wanted: HistoryFilter) -> list[dict[str, Any]]:
    if not db_path.exists():
        return []
    where: list[str] = ["1 = 1"]
    args: list[object] = []
    if wanted.since is not None:
        where.append("c.started_at >= ?")
        args.append(wanted.since)
    if wanted.until is not None:
        where.append("c.started_at < ?")
        args.append(wanted.until)
    if wanted.number:
        where.append("(c.from_number LIKE ? OR c.to_number LIKE ?)")
        args += [f"%{wanted.number}%"] * 2
    if wanted.extension:
        where.append("EXISTS (SELECT 1 FROM legs l WHERE l.call_id = c.call_id AND l.party = ?)")
        args.append(wanted.extension)
    if wanted.outcome == "answered":
        where.append("c.answered_at IS NOT NULL")
    elif wanted.outcome == "missed":
        where.append("c.answered_at IS NULL")
    if wanted.direction:
        where.append("c.direction = ?")
        args.append(wanted.direction)
    if wanted.scenario:
        where.append(
            "EXISTS (SELECT 1 FROM call_steps s WHERE s.call_id = c.call_id AND s.scenario = ?)"
        )
        args.append(wanted.scenario)
    limit = max(1, min(wanted.limit, MAX_ROWS))
    sql = (
        "SELECT c.call_id, c.direction, c.from_number, c.from_name, c.to_number, c.line_port,"
        " c.started_at, c.answered_at, c.ended_at, c.ring_s, c.talk_s, c.end_reason,"
        " c.hung_up_by FROM calls c WHERE "
        + " AND ".join(where)
        + " ORDER BY c.started_at DESC LIMIT ?"
    )
    try:
        db = open_reader(db_path)
        try:
            if wanted.scenario and not _has_table(db, "call_steps"):
                return []  # no call has been routed through a scenario yet
            calls = [dict(row) for row in db.execute(sql, [*args, limit]).fetchall()]
            faxes = _has_table(db, "faxes")
            for call in calls:
                fax = (
                    faxes
                    and db.execute(
                        "SELECT remote_ident, pages, modem, bit_rate, result FROM faxes"
                        " WHERE call_id = ? ORDER BY id DESC LIMIT 1",
                        (call["call_id"],),
                    ).fetchone()
                )
                call["fax"] = dict(fax) if fax else None
                legs = db.execute(
                    "SELECT channel, party, role, answered_at, end_reason FROM legs"
                    " WHERE call_id = ? ORDER BY id",
                    (call["call_id"],),
                ).fetchall()
                call["legs"] = [dict(leg) for leg in legs]
        finally:
            db.close()
    except sqlite3.DatabaseError as error:
        raise HistoryUnreadable(f"call history cannot be read: {error}") from None
    return calls


def _has_table(db: sqlite3.Connection, name: str) -> bool:
    found = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
    return found.fetchone() is not None


CSV_COLUMNS = [
    "call_id",
    "direction",
    "from_number",
    "from_name",
    "to_number",
    "line_port",
    "started_at",
    "answered_at",
    "ended_at",
    "ring_s",
    "talk_s",
    "end_reason",
    "hung_up_by",
]


def as_csv(calls: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(calls)
    return out.getvalue()
