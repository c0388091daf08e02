"""The web process reads call history from the database itself, read-only, engine or not."""

from starlette.testclient import TestClient

from firmware.paths import DataPaths
from tests.firmware.engine.fxs_helpers import appliance, call, hang_up_detect_s
from web_ui.app import create_app
from web_ui.auth.guard import SESSION_COOKIE
from web_ui.auth.store import Role


def logged_in_client(paths: DataPaths) -> TestClient:
    """The web app over `paths` (no engine there) with an administrator's session."""
    app = create_app(paths)
    app.state.web.accounts.create("admin", "history reader", Role.ADMIN)
    session = app.state.web.accounts.log_in("admin", "history reader")
    client = TestClient(app)
    client.cookies.set(SESSION_COOKIE, session.token)
    return client


def test_a_finished_call_is_listed_by_the_web_api_straight_from_the_database(tmp_path):
    with appliance("US") as pbx:
        a, _b = call(pbx, "101", "102")
        pbx.run_for(2)
        a.on_hook()
        pbx.run_for(hang_up_detect_s("US") + 0.5)
        engine_view = pbx.history()
        # The web process has its own data paths here and no engine at all.
        paths = DataPaths(tmp_path / "web-data")
        paths.root.mkdir()
        paths.history_db.symlink_to(pbx.paths.history_db)
        with logged_in_client(paths) as web:
            listed = web.get("/api/v1/history").json()
            one = web.get("/api/v1/history", params={"limit": 1}).json()
            refused = web.get("/api/v1/history", params={"limit": "all"})
    assert (
        [(c["from_number"], c["to_number"], c["end_reason"]) for c in listed]
        == [(c["from_number"], c["to_number"], c["end_reason"]) for c in engine_view]
        == [("101", "102", "completed")]
    )
    assert [leg["party"] for leg in listed[0]["legs"]] == ["101", "102"]
    assert one == listed
    assert refused.status_code == 422


def test_history_before_any_call_is_empty_and_creates_no_file(tmp_path):
    paths = DataPaths(tmp_path)
    with logged_in_client(paths) as web:
        answer = web.get("/api/v1/history")
    assert (answer.status_code, answer.json()) == (200, [])
    assert not paths.history_db.exists()


def test_an_unreadable_history_file_is_reported_not_a_crash(tmp_path):
    paths = DataPaths(tmp_path)
    paths.history_db.write_bytes(b"this is not a database" * 100)
    with logged_in_client(paths) as web:
        answer = web.get("/api/v1/history")
        page = web.get("/history")
    assert answer.status_code == 503
    assert answer.json()["detail"].startswith("call history cannot be read:")
    assert page.status_code == 200 and "call history cannot be read" in page.text
