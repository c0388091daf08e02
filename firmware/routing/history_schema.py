"""The history tables routing adds, as one migration step for the history database.

The step only adds tables (the `calls` and `legs` rows stay as call control writes them)
and is idempotent, so it can be slotted into the storage package's ordered migrations
(`PRAGMA user_version`) as it stands: `apply(connection)`.
"""

from __future__ import annotations

import sqlite3

MIGRATION_NAME = "routing: steps, ring attempts, missed calls, attribution, agent sessions"

MIGRATION_SQL = """
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


def apply(connection: sqlite3.Connection) -> None:
    connection.executescript(MIGRATION_SQL)
