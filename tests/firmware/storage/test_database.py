"""The history database: created, upgraded from older releases, and read without writing."""

import sqlite3
from contextlib import closing
from enum import StrEnum

import pytest

from firmware.engine.history import CallRecord, LegRecord
from firmware.storage.database import open_reader, open_writer
from firmware.storage.errors import NewerDatabase, StorageError
from firmware.storage.history import HistoryWriter
from firmware.storage.history_reader import read_calls
from firmware.storage.migrations import LATEST_VERSION, migrate, schema_version

# What releases before schema versioning created (user_version left at 0), kept verbatim so
# the upgrade is tested against the real old file, not against today's first migration.
SCHEMA_BEFORE_VERSIONING = """
CREATE TABLE IF NOT EXISTS calls (
    id INTEGER PRIMARY KEY, call_id TEXT NOT NULL UNIQUE, direction TEXT NOT NULL,
    from_number TEXT NOT NULL, from_name TEXT NOT NULL DEFAULT '', to_number TEXT NOT NULL,
    line_port INTEGER, started_at REAL NOT NULL, answered_at REAL, ended_at REAL NOT NULL,
    ring_s REAL NOT NULL, talk_s REAL NOT NULL, end_reason TEXT NOT NULL,
    hung_up_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS calls_started ON calls(started_at);
CREATE TABLE IF NOT EXISTS legs (
    id INTEGER PRIMARY KEY, call_id TEXT NOT NULL REFERENCES calls(call_id),
    channel TEXT NOT NULL, party TEXT NOT NULL, role TEXT NOT NULL, started_at REAL NOT NULL,
    answered_at REAL, ended_at REAL NOT NULL, end_reason TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS legs_call ON legs(call_id);
"""


def old_release_database(path):
    """A history file as the release before schema versioning left it, with one call."""
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.executescript(SCHEMA_BEFORE_VERSIONING)
    with connection:
        connection.execute(
            "INSERT INTO calls (call_id, direction, from_number, to_number, started_at,"
            " answered_at, ended_at, ring_s, talk_s, end_reason, hung_up_by)"
            " VALUES ('c-old', 'internal', '101', '102', 1000.0, 1004.0, 1064.0, 4.0, 60.0,"
            " 'completed', 'caller')"
        )
        connection.execute(
            "INSERT INTO legs (call_id, channel, party, role, started_at, answered_at,"
            " ended_at, end_reason) VALUES ('c-old', 'FXS/1', '102', 'callee', 1000.0,"
            " 1004.0, 1064.0, 'completed')"
        )
    connection.close()


def finished_call(call_id, started_at, **fields):
    record = CallRecord(
        call_id=call_id,
        direction=fields.pop("direction", "internal"),
        from_number="101",
        to_number="102",
        started_at=started_at,
        answered_at=started_at + 3,
        ended_at=started_at + 33,
        end_reason=fields.pop("end_reason", "completed"),
        hung_up_by="caller",
        **fields,
    )
    record.legs.append(
        LegRecord("FXS/0", "101", "caller", started_at, started_at + 3, started_at + 33)
    )
    return record


def test_a_new_data_directory_gets_the_latest_schema_in_wal_with_full_sync(tmp_path):
    path = tmp_path / "data" / "history.sqlite3"
    connection = open_writer(path)
    try:
        assert schema_version(connection) == LATEST_VERSION
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert connection.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert connection.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
    finally:
        connection.close()
    assert read_calls(path) == []


def test_a_database_from_before_schema_versions_is_upgraded_and_keeps_its_calls(tmp_path):
    path = tmp_path / "history.sqlite3"
    old_release_database(path)

    writer = HistoryWriter(path)
    writer.write(finished_call("c-new", 2000.0))
    writer.close()

    with open_reader(path) as connection:
        assert schema_version(connection) == LATEST_VERSION
    calls = read_calls(path)
    assert [call["call_id"] for call in calls] == ["c-new", "c-old"]
    old = calls[1]
    assert (old["talk_s"], old["end_reason"], old["hung_up_by"]) == (60.0, "completed", "caller")
    assert old["legs"] == [
        {
            "channel": "FXS/1",
            "party": "102",
            "role": "callee",
            "started_at": 1000.0,
            "answered_at": 1004.0,
            "ended_at": 1064.0,
            "end_reason": "completed",
        }
    ]


def test_migrations_run_in_order_once_each(tmp_path):
    connection = sqlite3.connect(tmp_path / "db.sqlite3")
    steps = (
        "CREATE TABLE first (value TEXT);",
        "INSERT INTO first VALUES ('second step ran');",
    )
    assert migrate(connection, steps[:1]) == (0, 1)
    assert migrate(connection, steps) == (1, 2)
    assert migrate(connection, steps) == (2, 2)
    assert connection.execute("SELECT value FROM first").fetchall() == [("second step ran",)]


def test_a_failing_migration_leaves_the_database_at_its_previous_version(tmp_path):
    connection = sqlite3.connect(tmp_path / "db.sqlite3")
    steps = ("CREATE TABLE kept (value TEXT);", "CREATE TABLE lost (v TEXT); NOT SQL;")
    with pytest.raises(sqlite3.OperationalError):
        migrate(connection, steps)
    assert schema_version(connection) == 1
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert tables == {"kept"}


def test_a_database_from_a_newer_release_is_refused_and_left_as_it_was(tmp_path):
    path = tmp_path / "history.sqlite3"
    old_release_database(path)
    with closing(sqlite3.connect(path)) as connection:
        connection.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    before = path.read_bytes()

    with pytest.raises(NewerDatabase, match="install the newer release") as refused:
        open_writer(path)

    assert str(path) in str(refused.value)
    assert path.read_bytes() == before
    assert [call["call_id"] for call in read_calls(path)] == ["c-old"]


def test_a_file_that_is_not_a_database_is_refused_with_what_to_do_and_left_as_it_was(tmp_path):
    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"not a database, but maybe something a person wants back" * 100)
    before = path.read_bytes()

    with pytest.raises(StorageError, match="move it aside to start a new one") as refused:
        open_writer(path)

    assert str(path) in str(refused.value)
    assert path.read_bytes() == before


def test_a_reader_connection_cannot_change_the_database(tmp_path):
    path = tmp_path / "history.sqlite3"
    HistoryWriter(path).close()
    with open_reader(path) as connection, pytest.raises(sqlite3.OperationalError, match="read"):
        connection.execute("DELETE FROM calls")


class Reason(StrEnum):
    NO_ANSWER = "no_answer"


def test_enum_fields_are_stored_as_their_text_and_history_reads_newest_first(tmp_path):
    path = tmp_path / "history.sqlite3"
    writer = HistoryWriter(path)
    for number in range(5):
        writer.write(finished_call(f"c{number}", 1000.0 + number, end_reason=Reason.NO_ANSWER))
    writer.close()

    calls = read_calls(path, limit=3)

    assert [call["call_id"] for call in calls] == ["c4", "c3", "c2"]
    assert {call["end_reason"] for call in calls} == {"no_answer"}
    assert calls[0]["legs"][0]["end_reason"] == "no_answer"  # the call's, the leg had none
    with pytest.raises(ValueError, match="limit must be 1 to 1000"):
        read_calls(path, limit=0)
