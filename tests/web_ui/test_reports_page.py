"""The reports page: an outside call through a scenario is counted in its table, charted,
split by a second dimension, and exported as CSV."""

from __future__ import annotations

import csv
import io
import time

from tests.web_ui.pbx import control, with_template
from tests.web_ui.site import log_in, web_site

WAIT_S = 30.0


def wait_until(check, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.05)
    raise AssertionError(f"{what}: not within {WAIT_S} s")


def one_routed_call(data) -> None:  # type: ignore[no-untyped-def]
    """A caller reaches the scenario's greeting and hangs up."""
    control(data, "put_config", config=with_template(control(data, "get_config")))
    control(data, "sim_line", port=4, action="ring", number="4955551234")
    wait_until(
        lambda: any(
            call["step"].startswith("main/") for call in control(data, "status")["active_calls"]
        ),
        "the call in the scenario",
    )
    control(data, "sim_line", port=4, action="hang_up")
    wait_until(lambda: control(data, "history", limit=5), "the history row")


def test_a_call_through_a_scenario_is_counted_charted_and_exported(tmp_path):
    with web_site(tmp_path) as (client, data):
        log_in(client)
        empty = client.get("/reports")
        assert empty.status_code == 200 and "No calls in this period." in empty.text
        one_routed_call(data)

        page = client.get("/reports").text
        table = page.split('id="report-scenarios"', 1)[1].split("</section>", 1)[0]
        assert "<td>main</td><td>1</td>" in table
        assert '<svg class="chart"' in page and "<title>main: 1</title>" in page

        by_result = client.get("/reports", params={"by": "end_reason"}).text
        assert "Result" in by_result.split('id="report-scenarios"', 1)[1]

        exported = client.get("/reports/scenarios.csv")
        assert exported.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(exported.text)))
        assert [(row["scenario"], row["total"]) for row in rows] == [("main", "1")]

        history = client.get("/history", params={"scenario": "main"}).text
        assert "4955551234" in history
        assert "4955551234" not in client.get("/history", params={"scenario": "other"}).text

        api = client.get("/api/v1/reports", params={"by": "line"}).json()
        assert api["scenarios"]["columns"][:3] == ["scenario", "line", "total"]
        assert [row[:3] for row in api["scenarios"]["rows"]] == [["main", "FXO/4", 1]]


def test_an_unknown_report_is_not_found_and_a_bad_period_falls_back(tmp_path):
    with web_site(tmp_path) as (client, _data):
        log_in(client)
        assert client.get("/reports/nothing.csv").status_code == 404
        page = client.get("/reports", params={"from": "yesterday", "by": "<script>"})
        assert page.status_code == 200 and "<script>" not in page.text.split("<main>", 1)[1]
