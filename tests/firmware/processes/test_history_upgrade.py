"""An engine installed over an older release's data directory keeps its call history."""

import sqlite3
import time
from contextlib import closing

from firmware.storage.migrations import LATEST_VERSION
from tests.firmware.processes.running import Process, start_engine
from tests.firmware.processes.test_engine_process import request
from tests.firmware.storage.test_database import old_release_database


def test_the_engine_upgrades_an_old_history_database_and_still_lists_its_calls(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    old_release_database(data / "history.sqlite3")

    engine = start_engine(data)
    try:
        history = request(data, "history", limit=10)
    finally:
        code = engine.stop()

    assert [(call["call_id"], call["talk_s"]) for call in history] == [("c-old", 60.0)]
    with sqlite3.connect(data / "history.sqlite3") as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
    assert code == 0
    assert f"upgraded from schema version 0 to {LATEST_VERSION}" in engine.output


def test_the_engine_refuses_a_history_database_from_a_newer_release(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    history_db = data / "history.sqlite3"
    old_release_database(history_db)
    with closing(sqlite3.connect(history_db)) as connection:
        connection.execute("PRAGMA user_version = 99")
    before = history_db.read_bytes()

    engine = Process("engine", data_dir=data)
    deadline = time.monotonic() + 60
    while engine.popen.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    code = engine.stop()

    assert code == 1
    assert "engine: cannot start" in engine.output
    assert "install the newer release again" in engine.output
    assert "Traceback" not in engine.output
    assert history_db.read_bytes() == before
