"""The outbox's table: every mail, stored before anyone tries to send it.

A row keeps the finished message (RFC 5322 bytes, with its Message-ID and Date, so every
retry sends the same mail), the recipients still to deliver, the state, the number of
attempts, when to try next and the server's last answer. A `key` names what the mail is
about (a voicemail message, a missed call) so queuing it again after a crash adds nothing.
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
    CREATE TABLE outbox (
        id              INTEGER PRIMARY KEY,
        key             TEXT UNIQUE,            -- what it is about, e.g. voicemail:<message>
        message_id      TEXT NOT NULL UNIQUE,   -- the Message-ID header, same on every retry
        kind            TEXT NOT NULL,          -- voicemail / missed_call / digest / test
        subject         TEXT NOT NULL,
        recipients      TEXT NOT NULL,          -- JSON list of addresses not yet delivered
        message         BLOB NOT NULL,          -- the mail without its From header
        state           TEXT NOT NULL,          -- queued / sending / sent / failed
        attempts        INTEGER NOT NULL DEFAULT 0,
        last_error      TEXT NOT NULL DEFAULT '',
        created_at      REAL NOT NULL,          -- seconds since the epoch
        next_attempt_at REAL NOT NULL,
        sent_at         REAL
    );
    CREATE INDEX outbox_due ON outbox(state, next_attempt_at);
    """,
    """
    CREATE TABLE missed_calls (                 -- waiting for a call centre's daily digest
        id              INTEGER PRIMARY KEY,
        call_centre     TEXT NOT NULL,
        started_at      REAL NOT NULL,
        record          TEXT NOT NULL           -- JSON of the missed call
    );
    CREATE INDEX missed_calls_centre ON missed_calls(call_centre, started_at);
    """,
)


class MailState(StrEnum):
    QUEUED = "queued"  # stored, not tried yet
    SENDING = "sending"  # an attempt is under way
    SENT = "sent"  # every recipient accepted it
    FAILED = "failed"  # the last attempt failed; retried at next_attempt_at


PENDING = (MailState.QUEUED.value, MailState.FAILED.value)


@dataclass(frozen=True)
class StoredMail:
    id: int
    key: str | None
    message_id: str
    kind: str
    subject: str
    recipients: list[str]
    message: bytes
    state: MailState
    attempts: int
    last_error: str
    created_at: float
    next_attempt_at: float
    sent_at: float | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> StoredMail:
        return cls(
            **{**row, "recipients": json.loads(row["recipients"]), "state": MailState(row["state"])}
        )

    def summary(self) -> dict[str, Any]:
        """What status shows: everything but the message itself."""
        return {
            "id": self.id,
            "message_id": self.message_id,
            "kind": self.kind,
            "subject": self.subject,
            "recipients": self.recipients,
            "state": self.state.value,
            "attempts": self.attempts,
            "last_error": self.last_error,
            "created_at": self.created_at,
            "next_attempt_at": self.next_attempt_at,
            "sent_at": self.sent_at,
        }


class OutboxStore:
    def __init__(self, path: Path) -> None:
        self.db = Database(path, MIGRATIONS)

    def add(
        self,
        *,
        key: str | None,
        message_id: str,
        kind: str,
        subject: str,
        recipients: list[str],
        message: bytes,
        now: float,
    ) -> StoredMail:
        """Store a mail; a mail already stored under `key` is returned unchanged."""

        def insert(connection: sqlite3.Connection) -> dict[str, Any]:
            if key is not None:
                existing = connection.execute("SELECT * FROM outbox WHERE key = ?", (key,))
                row = existing.fetchone()
                if row is not None:
                    return dict(row)
            cursor = connection.execute(
                "INSERT INTO outbox (key, message_id, kind, subject, recipients, message, state,"
                " created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    key,
                    message_id,
                    kind,
                    subject,
                    json.dumps(recipients),
                    message,
                    MailState.QUEUED.value,
                    now,
                    now,
                ),
            )
            row = connection.execute("SELECT * FROM outbox WHERE id = ?", (cursor.lastrowid,))
            return dict(row.fetchone())

        return StoredMail.from_row(self.db.transaction(insert))

    def get(self, mail_id: int) -> StoredMail | None:
        rows = self.db.query("SELECT * FROM outbox WHERE id = ?", (mail_id,))
        return StoredMail.from_row(rows[0]) if rows else None

    def has_key(self, key: str) -> bool:
        return bool(self.db.query("SELECT 1 FROM outbox WHERE key = ?", (key,)))

    def interrupted_to_failed(self, now: float) -> int:
        """Attempts cut off by a stop or a crash: the server may or may not have the mail,
        so it goes again (with the same Message-ID) right away."""
        return self.db.execute(
            "UPDATE outbox SET state = ?, last_error = ?, next_attempt_at = ? WHERE state = ?",
            (
                MailState.FAILED.value,
                "delivery was interrupted by an engine stop",
                now,
                MailState.SENDING.value,
            ),
        )

    def due(self, now: float, limit: int = 20) -> list[StoredMail]:
        rows = self.db.query(
            "SELECT * FROM outbox WHERE state IN (?, ?) AND next_attempt_at <= ?"
            " ORDER BY next_attempt_at, id LIMIT ?",
            (*PENDING, now, limit),
        )
        return [StoredMail.from_row(row) for row in rows]

    def next_due_at(self) -> float | None:
        rows = self.db.query(
            "SELECT MIN(next_attempt_at) AS due FROM outbox WHERE state IN (?, ?)", PENDING
        )
        return rows[0]["due"]

    def mark_sending(self, mail_id: int) -> None:
        self.db.execute(
            "UPDATE outbox SET state = ?, attempts = attempts + 1 WHERE id = ?",
            (MailState.SENDING.value, mail_id),
        )

    def mark_sent(self, mail_id: int, now: float) -> None:
        self.db.execute(
            "UPDATE outbox SET state = ?, recipients = '[]', last_error = '', sent_at = ?"
            " WHERE id = ?",
            (MailState.SENT.value, now, mail_id),
        )

    def mark_failed(
        self, mail_id: int, error: str, next_attempt_at: float, recipients: list[str]
    ) -> None:
        self.db.execute(
            "UPDATE outbox SET state = ?, last_error = ?, next_attempt_at = ?, recipients = ?"
            " WHERE id = ?",
            (MailState.FAILED.value, error, next_attempt_at, json.dumps(recipients), mail_id),
        )

    def retry_all_now(self, now: float) -> int:
        """Every waiting mail becomes due (the SMTP settings changed, or a user asked)."""
        return self.db.execute(
            "UPDATE outbox SET next_attempt_at = ? WHERE state IN (?, ?)", (now, *PENDING)
        )

    def counts(self) -> dict[str, int]:
        rows = self.db.query("SELECT state, COUNT(*) AS n FROM outbox GROUP BY state")
        counts = {state.value: 0 for state in MailState}
        counts.update({row["state"]: row["n"] for row in rows})
        return counts

    def newest(self, limit: int) -> list[StoredMail]:
        rows = self.db.query("SELECT * FROM outbox ORDER BY id DESC LIMIT ?", (limit,))
        return [StoredMail.from_row(row) for row in rows]

    def forget_sent_before(self, cutoff: float) -> int:
        return self.db.execute(
            "DELETE FROM outbox WHERE state = ? AND sent_at < ?", (MailState.SENT.value, cutoff)
        )

    def close(self) -> None:
        self.db.close()
