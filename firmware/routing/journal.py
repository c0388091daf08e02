"""What routing writes to history: each call's path, who was rung, missed calls, whose
call a forwarded one counts as. Rows are collected while a call is routed and written in
one transaction in a worker thread, so the event loop never waits for the disk."""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path

from aio import host
from firmware.storage.migrations import migrate

log = logging.getLogger(__name__)


@dataclass
class Step:
    at: float
    scenario: str
    operation: str
    kind: str
    exit: str
    subject: str = ""


@dataclass
class Attempt:
    at: float
    call_centre: str
    member: str
    rang_s: float
    outcome: str


@dataclass
class MissedCall:
    at: float
    caller: str
    waited_s: float
    call_centre: str = ""
    employee: str = ""
    members: list[tuple[str, float]] = field(default_factory=list)


@dataclass
class Attribution:
    employee: str
    outcome: str  # answered / missed
    note: str = ""
    forwarded_from: str = ""


@dataclass
class FaxRecord:
    at: float
    remote_ident: str
    pages: int
    modem: str
    bit_rate: int
    duration_s: float
    result: str
    mailed: bool


@dataclass
class CallJournal:
    """Everything routing learnt about one call."""

    call_id: str
    steps: list[Step] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    missed: list[MissedCall] = field(default_factory=list)
    attribution: Attribution | None = None
    faxes: list[FaxRecord] = field(default_factory=list)


class Journal:
    """Writes call journals to the history database (None: keeps nothing, for tools)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(path, check_same_thread=False)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=FULL")
            connection.execute("PRAGMA busy_timeout=5000")
            migrate(connection)
            self._connection = connection

    async def write(self, journal: CallJournal) -> None:
        if self._connection is not None:
            await host.to_thread(self.write_now, journal)

    def write_now(self, journal: CallJournal) -> None:
        connection = self._connection
        if connection is None:
            return
        call_id = journal.call_id
        with self._lock, connection:
            connection.executemany(
                "INSERT INTO call_steps (call_id, seq, at, scenario, operation, kind, exit,"
                " subject) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (call_id, seq, s.at, s.scenario, s.operation, s.kind, s.exit, s.subject)
                    for seq, s in enumerate(journal.steps)
                ],
            )
            connection.executemany(
                "INSERT INTO ring_attempts (call_id, at, call_centre, member, rang_s, outcome)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (call_id, a.at, a.call_centre, a.member, a.rang_s, a.outcome)
                    for a in journal.attempts
                ],
            )
            connection.executemany(
                "INSERT INTO missed_calls (call_id, at, call_centre, employee, caller, waited_s,"
                " members) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        call_id,
                        m.at,
                        m.call_centre,
                        m.employee,
                        m.caller,
                        m.waited_s,
                        json.dumps([{"member": n, "rang_s": round(s, 1)} for n, s in m.members]),
                    )
                    for m in journal.missed
                ],
            )
            connection.executemany(
                "INSERT INTO faxes (call_id, at, remote_ident, pages, modem, bit_rate,"
                " duration_s, result, mailed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (call_id, f.at, f.remote_ident, f.pages, f.modem, f.bit_rate,
                     f.duration_s, f.result, int(f.mailed))
                    for f in journal.faxes
                ],
            )  # fmt: skip
            if journal.attribution is not None:
                a = journal.attribution
                connection.execute(
                    "INSERT OR REPLACE INTO call_attribution (call_id, employee, outcome, note,"
                    " forwarded_from) VALUES (?, ?, ?, ?, ?)",
                    (call_id, a.employee, a.outcome, a.note, a.forwarded_from),
                )

    def agent_session(self, extension: str, at: float, logged_in: bool) -> None:
        if self._connection is None:
            return
        with self._lock, self._connection:
            self._connection.execute(
                "INSERT INTO agent_sessions (extension, at, logged_in) VALUES (?, ?, ?)",
                (extension, at, int(logged_in)),
            )

    def logged_in_agents(self) -> set[str]:
        """Who was logged in when the engine last stopped (each agent's latest session row)."""
        if self._connection is None:
            return set()
        with self._lock:
            rows = self._connection.execute(
                "SELECT extension, logged_in FROM agent_sessions WHERE id IN"
                " (SELECT MAX(id) FROM agent_sessions GROUP BY extension)"
            ).fetchall()
        return {extension for extension, logged_in in rows if logged_in}

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None
