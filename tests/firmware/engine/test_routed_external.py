"""An employee's outside number (a mobile) rung for a routed call: after the desk phone, a
free exchange line is seized, the number dialled as DTMF, and the caller talks to whoever
answers there; with every line busy it counts as busy and the scenario goes on."""

from __future__ import annotations

import pytest

from tests.firmware.engine.fxs_helpers import hears_from
from tests.firmware.engine.test_inbound import run_until
from tests.firmware.engine.test_routed_inbound import WEDNESDAY_MORNING, appliance_at

MOBILE = "5550177"


def mobile_config() -> dict:
    from tests.firmware.engine.test_routed_inbound import routed_config

    document = routed_config()
    document["routing"]["scenarios"] = [
        {"id": "main", "name": "Anna", "start": "anna",
         "operations": {"anna": {"type": "extension", "extension": "102"}}}
    ]  # fmt: skip
    document["routing"]["call_centres"] = []
    (anna,) = [e for e in document["employees"] if e["extension"] == "102"]
    anna["calls"].update({"ring": "in_order", "device_answer_s": 6, "external_numbers": [MOBILE]})
    anna["calls"]["forwarding"] = {"no_answer_after_s": 60}
    return document


def test_the_desk_phone_then_the_mobile_and_the_caller_talks_to_the_mobile():
    with appliance_at(WEDNESDAY_MORNING, mobile_config()) as pbx:
        caller_line, mobile_line = pbx.line(0), pbx.line(1)
        desk = pbx.phone("102")
        caller_line.ring("5550100")
        rang_at = run_until(pbx, desk.is_ringing, 12)
        run_until(pbx, mobile_line.is_seized, 12)  # the desk phone's 6 s are over
        seized_at = pbx.loop.time()
        assert not desk.is_ringing()
        run_until(pbx, lambda: mobile_line.digits_received() == MOBILE, 8)
        mobile_line.answer()
        run_until(pbx, caller_line.is_seized, 5)  # the caller is put through
        pbx.run_for(1.0)
        assert hears_from(pbx, mobile_line, caller_line, 1000) == pytest.approx(-10, abs=3)
        assert hears_from(pbx, caller_line, mobile_line, 700) == pytest.approx(-10, abs=3)
        caller_line.hang_up()
        run_until(pbx, lambda: not mobile_line.is_seized(), 10)
        pbx.run_for(1)
        rows = pbx.history()
    assert 5 <= seized_at - rang_at <= 8
    (row,) = [r for r in rows if r["from_number"] == "5550100"]
    assert row["answered_at"] is not None and row["direction"] == "inbound"


def test_with_every_line_busy_the_mobile_counts_as_busy_and_no_line_is_taken():
    import sqlite3

    document = mobile_config()
    for port in document["hat"]["ports"]:
        if port["kind"] == "fxo" and port["port"] == 5:
            port["outbound"] = False  # the only other line may not go out
    with appliance_at(WEDNESDAY_MORNING, document) as pbx:
        caller_line = pbx.line(0)
        caller_line.ring("5550100")
        run_until(pbx, pbx.phone("102").is_ringing, 12)
        pbx.run_for(10)
        assert not pbx.line(1).is_seized() and not pbx.phone("102").is_ringing()
        caller_line.hang_up()
        pbx.run_for(12)
        with sqlite3.connect(pbx.paths.history_db) as db:
            outcomes = [row[0] for row in db.execute("SELECT outcome FROM ring_attempts")]
    assert outcomes == ["no_answer", "busy"]  # the desk phone, then the mobile
