"""The database schema as ordered migrations, numbered by SQLite's `PRAGMA user_version`.

MIGRATIONS[0] takes an empty database (user_version 0) to version 1, MIGRATIONS[1] takes
version 1 to 2, and so on. A release that needs new tables (the voicemail index, the mail
outbox, agent sessions) appends its step; a step, once released, is never edited, so every
data directory an older release wrote still opens. Each step runs in one transaction with
the version bump, so a power cut leaves the old schema or the new one.
"""

from __future__ import annotations

import sqlite3
from typing import Final

from firmware.storage.errors import NewerDatabase

# Version 1: call history, one row per call and one per leg. It is written with IF NOT EXISTS
# because releases before schema versioning created these same tables and left user_version
# at 0: on their databases this step only stamps the version.
CALL_HISTORY: Final = """
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

# Version 2: what routing records: the path of each call, who was rung and for how long,
# missed calls for supervisors, whose call a forwarded call counts as, agent sessions.
ROUTING: Final = """
-- The path each call took: every operation with the exit it left by.
CREATE TABLE IF NOT EXISTS call_steps (
    id          INTEGER PRIMARY KEY,
    call_id     TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    at          REAL NOT NULL,             -- seconds since the epoch
    scenario    TEXT NOT NULL,             -- '' for direct calls and forwarding
    operation   TEXT NOT NULL,             -- operation id ('' for entering the scenario)
    kind        TEXT NOT NULL,             -- scenario / menu / call_centre / forwarding / ...
    exit        TEXT NOT NULL,             -- the exit taken (entered / operator for kind scenario)
    subject     TEXT NOT NULL DEFAULT ''   -- the call centre or employee the step concerned
);
CREATE INDEX IF NOT EXISTS call_steps_call ON call_steps(call_id, seq);
CREATE INDEX IF NOT EXISTS call_steps_scenario ON call_steps(kind, scenario);

-- Every member or employee rung for a call, and for how long.
CREATE TABLE IF NOT EXISTS ring_attempts (
    id          INTEGER PRIMARY KEY,
    call_id     TEXT NOT NULL,
    at          REAL NOT NULL,
    call_centre TEXT NOT NULL DEFAULT '',
    member      TEXT NOT NULL,
    rang_s      REAL NOT NULL,
    outcome     TEXT NOT NULL              -- answered / no_answer / busy / unavailable / ...
);
CREATE INDEX IF NOT EXISTS ring_attempts_call ON ring_attempts(call_id);

-- Calls a supervisor should hear about (the mail outbox sends them).
CREATE TABLE IF NOT EXISTS missed_calls (
    id          INTEGER PRIMARY KEY,
    call_id     TEXT NOT NULL,
    at          REAL NOT NULL,
    call_centre TEXT NOT NULL DEFAULT '',
    employee    TEXT NOT NULL DEFAULT '',
    caller      TEXT NOT NULL,
    waited_s    REAL NOT NULL,
    members     TEXT NOT NULL DEFAULT '[]', -- JSON: [{"member": "101", "rang_s": 15.0}, ...]
    notified    INTEGER NOT NULL DEFAULT 0
);

-- Whose call a direct call counts as after forwarding.
CREATE TABLE IF NOT EXISTS call_attribution (
    call_id        TEXT PRIMARY KEY,
    employee       TEXT NOT NULL,
    outcome        TEXT NOT NULL,           -- answered / missed
    note           TEXT NOT NULL DEFAULT '', -- voicemail
    forwarded_from TEXT NOT NULL DEFAULT ''
);

-- Call-centre agents logging in and out.
CREATE TABLE IF NOT EXISTS agent_sessions (
    id          INTEGER PRIMARY KEY,
    extension   TEXT NOT NULL,
    at          REAL NOT NULL,
    logged_in   INTEGER NOT NULL
);
"""

# Version 3: faxes received, one row per fax call (what the mail to the office also says).
FAXES = """
CREATE TABLE IF NOT EXISTS faxes (
    id           INTEGER PRIMARY KEY,
    call_id      TEXT NOT NULL,
    at           REAL NOT NULL,              -- when reception ended, seconds since the epoch
    remote_ident TEXT NOT NULL DEFAULT '',   -- the sender's identity (TSI)
    pages        INTEGER NOT NULL,
    modem        TEXT NOT NULL DEFAULT '',   -- e.g. V.29
    bit_rate     INTEGER NOT NULL DEFAULT 0,
    duration_s   REAL NOT NULL DEFAULT 0,
    result       TEXT NOT NULL,              -- the receiver's result code
    mailed       INTEGER NOT NULL DEFAULT 0  -- handed to the outbox
);
CREATE INDEX IF NOT EXISTS faxes_call ON faxes(call_id);
"""

MIGRATIONS: Final[tuple[str, ...]] = (CALL_HISTORY, ROUTING, FAXES)
LATEST_VERSION: Final = len(MIGRATIONS)


def schema_version(connection: sqlite3.Connection) -> int:
    (version,) = connection.execute("PRAGMA user_version").fetchone()
    return int(version)


def migrate(
    connection: sqlite3.Connection, migrations: tuple[str, ...] = MIGRATIONS
) -> tuple[int, int]:
    """Apply the steps the database has not had yet; returns (version before, after).

    Raises NewerDatabase, changing nothing, when the database is ahead of `migrations`.
    """
    before = schema_version(connection)
    if before > len(migrations):
        raise NewerDatabase(
            f"the database has schema version {before}, but this release knows only up to "
            f"{len(migrations)}: install the newer release again (nothing was changed)"
        )
    for version, step in enumerate(migrations[before:], start=before + 1):
        try:
            # executescript commits first and runs the text as is: BEGIN..COMMIT makes the
            # step and its version stamp one transaction.
            connection.executescript(
                f"BEGIN IMMEDIATE;\n{step}\nPRAGMA user_version = {version};\nCOMMIT;"
            )
        except sqlite3.Error:
            if connection.in_transaction:
                connection.rollback()
            raise
    return before, schema_version(connection)
