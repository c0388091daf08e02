"""The index of voicemail messages and call recordings in SQLite.

A row is written when a recording starts (state `recording`) and becomes `ready` once its
file has its final name; lists show only ready rows, so nothing half-written is ever
listed. After a crash, rows still `recording` are what `recover` finishes. PIN failures are
counted here too, so a restart does not reset them.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from firmware.mail.database import Database

MIGRATIONS = (
    """
    CREATE TABLE messages (
        id            TEXT PRIMARY KEY,        -- also the file's name
        kind          TEXT NOT NULL,           -- voicemail / recording
        box           TEXT NOT NULL,           -- the box; for call recordings whose they are
        state         TEXT NOT NULL,           -- recording / ready
        file          TEXT NOT NULL,           -- relative to the data directory
        started_at    REAL NOT NULL,           -- seconds since the epoch
        duration_s    REAL NOT NULL DEFAULT 0,
        bytes         INTEGER NOT NULL DEFAULT 0,
        caller_number TEXT NOT NULL DEFAULT '',
        caller_name   TEXT NOT NULL DEFAULT '',
        line          TEXT NOT NULL DEFAULT '',
        call_id       TEXT NOT NULL DEFAULT '',
        path          TEXT NOT NULL DEFAULT '[]',  -- JSON: the scenario steps before it
        heard         INTEGER NOT NULL DEFAULT 0,
        saved         INTEGER NOT NULL DEFAULT 0,
        recovered     INTEGER NOT NULL DEFAULT 0,  -- cut by a crash, kept to the last flush
        mailed        INTEGER NOT NULL DEFAULT 0   -- its mail is in the outbox
    );
    CREATE INDEX messages_box ON messages(kind, box, state, started_at);
    CREATE INDEX messages_call ON messages(call_id);
    CREATE TABLE pin_failures (
        box           TEXT PRIMARY KEY,
        failures      INTEGER NOT NULL,
        last_at       REAL NOT NULL
    );
    """,
)


class Kind(StrEnum):
    VOICEMAIL = "voicemail"
    RECORDING = "recording"


class State(StrEnum):
    RECORDING = "recording"
    READY = "ready"


@dataclass(frozen=True)
class CallInfo:
    """Who left the message, from which call and along which scenario path."""

    caller_number: str = ""
    caller_name: str = ""
    line: str = ""
    call_id: str = ""
    path: tuple[str, ...] = ()  # e.g. ("menu: 2", "working hours: closed", "voicemail")


@dataclass(frozen=True)
class Message:
    id: str
    kind: Kind
    box: str
    file: str
    started_at: float
    duration_s: float
    bytes: int
    call: CallInfo
    heard: bool
    saved: bool
    recovered: bool

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Message:
        return cls(
            id=row["id"],
            kind=Kind(row["kind"]),
            box=row["box"],
            file=row["file"],
            started_at=row["started_at"],
            duration_s=row["duration_s"],
            bytes=row["bytes"],
            call=CallInfo(
                row["caller_number"],
                row["caller_name"],
                row["line"],
                row["call_id"],
                tuple(json.loads(row["path"])),
            ),
            heard=bool(row["heard"]),
            saved=bool(row["saved"]),
            recovered=bool(row["recovered"]),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "box": self.box,
            "started_at": self.started_at,
            "duration_s": self.duration_s,
            "caller_number": self.call.caller_number,
            "caller_name": self.call.caller_name,
            "heard": self.heard,
            "saved": self.saved,
            "recovered": self.recovered,
        }


class MessageIndex:
    """Blocking; the voicemail service calls it from worker threads."""

    def __init__(self, path: Path) -> None:
        self.db = Database(path, MIGRATIONS)

    def begin(
        self, kind: Kind, box: str, message_id: str, file: str, now: float, call: CallInfo
    ) -> None:
        self.db.execute(
            "INSERT INTO messages (id, kind, box, state, file, started_at, caller_number,"
            " caller_name, line, call_id, path) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (message_id, kind.value, box, State.RECORDING.value, file, now, call.caller_number,
             call.caller_name, call.line, call.call_id, json.dumps(list(call.path))),
        )  # fmt: skip

    def ready(self, message_id: str, duration_s: float, size: int, *, recovered: bool) -> Message:
        def update(connection: sqlite3.Connection) -> dict[str, Any]:
            connection.execute(
                "UPDATE messages SET state = ?, duration_s = ?, bytes = ?, recovered = ?"
                " WHERE id = ?",
                (State.READY.value, duration_s, size, int(recovered), message_id),
            )
            row = connection.execute("SELECT * FROM messages WHERE id = ?", (message_id,))
            return dict(row.fetchone())

        return Message.from_row(self.db.transaction(update))

    def in_progress(self) -> list[Message]:
        rows = self.db.query("SELECT * FROM messages WHERE state = ?", (State.RECORDING.value,))
        return [Message.from_row(row) for row in rows]

    def get(self, message_id: str) -> Message | None:
        rows = self.db.query(
            "SELECT * FROM messages WHERE id = ? AND state = ?", (message_id, State.READY.value)
        )
        return Message.from_row(rows[0]) if rows else None

    def listed(self, kind: Kind, box: str | None = None) -> list[Message]:
        """Ready messages, newest first (one box, or all of a kind)."""
        where, parameters = "kind = ? AND state = ?", [kind.value, State.READY.value]
        if box is not None:
            where += " AND box = ?"
            parameters.append(box)
        rows = self.db.query(
            f"SELECT * FROM messages WHERE {where} ORDER BY started_at DESC, rowid DESC",
            parameters,
        )
        return [Message.from_row(row) for row in rows]

    def oldest_first(self, kind: Kind) -> list[Message]:
        rows = self.db.query(
            "SELECT * FROM messages WHERE kind = ? AND state = ? ORDER BY started_at, rowid",
            (kind.value, State.READY.value),
        )
        return [Message.from_row(row) for row in rows]

    def usage(self, kind: Kind, box: str | None = None) -> tuple[int, int]:
        """(messages, audio bytes) of a box, or of every box when `box` is None; a
        recording under way counts as a message (its bytes once it is finished)."""
        where, parameters = "kind = ?", [kind.value]
        if box is not None:
            where += " AND box = ?"
            parameters.append(box)
        rows = self.db.query(
            f"SELECT COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS size FROM messages WHERE {where}",
            parameters,
        )
        return rows[0]["n"], rows[0]["size"]

    def set_flags(self, message_id: str, **flags: bool) -> bool:
        assignments = ", ".join(f"{name} = ?" for name in flags if name in ("heard", "saved"))
        if len(flags) != assignments.count("?") or not flags:
            raise ValueError(f"unknown flags {sorted(flags)}")
        changed = self.db.execute(
            f"UPDATE messages SET {assignments} WHERE id = ? AND state = ?",
            (*(int(value) for value in flags.values()), message_id, State.READY.value),
        )
        return changed == 1

    def remove(self, message_id: str) -> None:
        self.db.execute("DELETE FROM messages WHERE id = ?", (message_id,))

    def new_count(self, box: str) -> int:
        rows = self.db.query(
            "SELECT COUNT(*) AS n FROM messages WHERE kind = ? AND box = ? AND state = ?"
            " AND heard = 0",
            (Kind.VOICEMAIL.value, box, State.READY.value),
        )
        return int(rows[0]["n"])

    def pin_state(self, box: str) -> tuple[int, float]:
        """(consecutive wrong PINs, time of the last one)."""
        rows = self.db.query("SELECT failures, last_at FROM pin_failures WHERE box = ?", (box,))
        return (int(rows[0]["failures"]), float(rows[0]["last_at"])) if rows else (0, 0.0)

    def note_pin(self, box: str, ok: bool, now: float) -> int:
        """Record a PIN attempt; returns the consecutive failures after it."""
        if ok:
            self.db.execute("DELETE FROM pin_failures WHERE box = ?", (box,))
            return 0
        self.db.execute(
            "INSERT INTO pin_failures (box, failures, last_at) VALUES (?, 1, ?)"
            " ON CONFLICT(box) DO UPDATE SET failures = failures + 1, last_at = excluded.last_at",
            (box, now),
        )
        return self.pin_state(box)[0]

    def unmailed(self) -> list[Message]:
        rows = self.db.query(
            "SELECT * FROM messages WHERE kind = ? AND state = ? AND mailed = 0 ORDER BY rowid",
            (Kind.VOICEMAIL.value, State.READY.value),
        )
        return [Message.from_row(row) for row in rows]

    def mark_mailed(self, message_id: str) -> None:
        self.db.execute("UPDATE messages SET mailed = 1 WHERE id = ?", (message_id,))

    def close(self) -> None:
        self.db.close()
