"""The web process reads call history from the database itself, read-only."""

from starlette.testclient import TestClient

from tests.firmware.engine.fxs_helpers import appliance, call, hang_up_detect_s
from web_ui.app import create_app


def test_a_finished_call_is_listed_by_the_web_api_straight_from_the_database(tmp_path):
    with appliance("US") as pbx:
        a, _b = call(pbx, "101", "102")
        pbx.run_for(2)
        a.on_hook()
        pbx.run_for(hang_up_detect_s("US") + 0.5)
        engine_view = pbx.history()
        # No engine socket: history must not need the engine.
        app = create_app(tmp_path / "no-engine.sock", pbx.paths.history_db)
        with TestClient(app) as web:
            listed = web.get("/api/history").json()["calls"]
            one = web.get("/api/history", params={"limit": 1}).json()["calls"]
            refused = web.get("/api/history", params={"limit": "all"})
    assert listed == engine_view
    assert [(c["from_number"], c["to_number"], c["end_reason"]) for c in listed] == [
        ("101", "102", "completed")
    ]
    assert [leg["party"] for leg in listed[0]["legs"]] == ["101", "102"]
    assert one == listed
    assert refused.status_code == 400
    assert "limit must be a whole number from 1 to 1000" in refused.json()["error"]


def test_history_before_any_call_is_empty_and_creates_no_file(tmp_path):
    history_db = tmp_path / "history.sqlite3"
    with TestClient(create_app(tmp_path / "control.sock", history_db)) as web:
        answer = web.get("/api/history")
    assert (answer.status_code, answer.json()) == (200, {"calls": []})
    assert not history_db.exists()


def test_an_unreadable_history_file_is_reported_not_a_crash(tmp_path):
    history_db = tmp_path / "history.sqlite3"
    history_db.write_bytes(b"this is not a database" * 100)
    with TestClient(create_app(tmp_path / "control.sock", history_db)) as web:
        answer = web.get("/api/history")
    assert answer.status_code == 503
    assert answer.json()["error"].startswith("call history cannot be read:")
