"""Call history in SQLite: one row per call and one per leg, written durably.

The engine is the only writer. Rows are written in a worker thread (the media clock never
waits for the disk) with synchronous=FULL in WAL mode, so a finished call survives a power
cut. The web process reads the same file through its own read-only connection.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aio import host

SCHEMA = """
CREATE TABLE IF NOT EXISTS calls (
    id            INTEGER PRIMARY KEY,
    call_id       TEXT NOT NULL UNIQUE,
    direction     TEXT NOT NULL,          -- internal / inbound / outbound
    from_number   TEXT NOT NULL,
    from_name     TEXT NOT NULL DEFAULT '',
    to_number     TEXT NOT NULL,
    line_port     INTEGER,                -- the FXO port for inbound/outbound calls
    started_at    REAL NOT NULL,          -- seconds since the epoch
    answered_at   REAL,
    ended_at      REAL NOT NULL,
    ring_s        REAL NOT NULL,          -- from start until answer (or end if unanswered)
    talk_s        REAL NOT NULL,          -- from answer until end
    end_reason    TEXT NOT NULL,          -- completed / no_answer / busy / invalid_number / ...
    hung_up_by    TEXT NOT NULL DEFAULT ''  -- caller / callee / system
);
CREATE INDEX IF NOT EXISTS calls_started ON calls(started_at);
CREATE TABLE IF NOT EXISTS legs (
    id            INTEGER PRIMARY KEY,
    call_id       TEXT NOT NULL REFERENCES calls(call_id),
    channel       TEXT NOT NULL,          -- e.g. FXS/0, FXO/4
    party         TEXT NOT NULL,          -- extension or outside number on that channel
    role          TEXT NOT NULL,          -- caller / callee / transfer / conference / pickup
    started_at    REAL NOT NULL,
    answered_at   REAL,
    ended_at      REAL NOT NULL,
    end_reason    TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS legs_call ON legs(call_id);
"""


@dataclass
class LegRecord:
    channel: str
    party: str
    role: str
    started_at: float
    answered_at: float | None = None
    ended_at: float | None = None
    end_reason: str = ""


@dataclass
class CallRecord:
    call_id: str
    direction: str
    from_number: str
    to_number: str
    started_at: float
    from_name: str = ""
    line_port: int | None = None
    answered_at: float | None = None
    ended_at: float | None = None
    end_reason: str = ""
    hung_up_by: str = ""
    legs: list[LegRecord] = field(default_factory=list)

    @property
    def ring_s(self) -> float:
        until = self.answered_at if self.answered_at is not None else self.ended_at
        return max(0.0, (until or self.started_at) - self.started_at)

    @property
    def talk_s(self) -> float:
        if self.answered_at is None or self.ended_at is None:
            return 0.0
        return max(0.0, self.ended_at - self.answered_at)


def connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    if read_only:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path, check_same_thread=False)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        connection.executescript(SCHEMA)
    connection.row_factory = sqlite3.Row
    return connection


class HistoryWriter:
    """Appends finished calls to the history database."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._connection = connect(path)
        self._lock = threading.Lock()

    async def record(self, call: CallRecord) -> None:
        await host.to_thread(self._write, call)

    def _write(self, call: CallRecord) -> None:
        ended = call.ended_at if call.ended_at is not None else call.started_at
        with self._lock, self._connection:
            self._connection.execute(
                "INSERT INTO calls (call_id, direction, from_number, from_name, to_number,"
                " line_port, started_at, answered_at, ended_at, ring_s, talk_s, end_reason,"
                " hung_up_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    call.call_id,
                    call.direction,
                    call.from_number,
                    call.from_name,
                    call.to_number,
                    call.line_port,
                    call.started_at,
                    call.answered_at,
                    ended,
                    call.ring_s,
                    call.talk_s,
                    call.end_reason,
                    call.hung_up_by,
                ),
            )
            self._connection.executemany(
                "INSERT INTO legs (call_id, channel, party, role, started_at, answered_at,"
                " ended_at, end_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        call.call_id,
                        leg.channel,
                        leg.party,
                        leg.role,
                        leg.started_at,
                        leg.answered_at,
                        leg.ended_at if leg.ended_at is not None else ended,
                        leg.end_reason or call.end_reason,
                    )
                    for leg in call.legs
                ],
            )

    def close(self) -> None:
        with self._lock:
            self._connection.close()


def read_calls(path: Path, limit: int = 100) -> list[dict[str, Any]]:
    """The newest calls with their legs, newest first (read-only; for status and the web)."""
    if not path.exists():
        return []
    connection = connect(path, read_only=True)
    try:
        calls = [
            dict(row)
            for row in connection.execute(
                "SELECT * FROM calls ORDER BY started_at DESC, id DESC LIMIT ?", (limit,)
            )
        ]
        for call in calls:
            call["legs"] = [
                dict(row)
                for row in connection.execute(
                    "SELECT channel, party, role, started_at, answered_at, ended_at, end_reason"
                    " FROM legs WHERE call_id = ? ORDER BY id",
                    (call["call_id"],),
                )
            ]
        return calls
    finally:
        connection.close()
