"""Outside calls walked through a scenario on the simulated hat: the greeting is heard on
the line, the caller's keys (DTMF audio from the exchange side) choose where the call goes,
the chosen phones ring, and history keeps the path."""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from firmware.config.templates import load_template
from firmware.simulator import SimulatedAppliance
from tests.firmware.engine.fxs_helpers import config as fxs_config
from tests.firmware.engine.fxs_helpers import hears_from
from tests.firmware.engine.test_inbound import run_until

WEDNESDAY_MORNING = dt.datetime(2026, 12, 2, 11, 0)
WEDNESDAY_EVENING = dt.datetime(2026, 12, 2, 20, 0)


def routed_config(template: str = "orders_and_support") -> dict[str, Any]:
    """The default configuration with a routing template; the lines have no list of
    extensions of their own, so the scenario decides."""
    document = fxs_config("US")
    for port in document["hat"]["ports"]:
        if port["kind"] == "fxo":
            port["inbound"] = []
    document["routing"] = load_template(template, country="US").model_dump(mode="json")
    return document


def appliance_at(moment: dt.datetime, document: dict[str, Any]) -> SimulatedAppliance:
    zone = ZoneInfo(document["system"]["timezone"])
    return SimulatedAppliance(document, start_epoch=moment.replace(tzinfo=zone).timestamp())


def port_state(pbx: SimulatedAppliance, index: int) -> str:
    (row,) = [port for port in pbx.status()["ports"] if port["index"] == index]
    return str(row["state"])


def steps(pbx: SimulatedAppliance) -> list[tuple[str, str, str]]:
    with sqlite3.connect(pbx.paths.history_db) as db:
        rows = db.execute("SELECT scenario, operation, exit FROM call_steps ORDER BY id")
        return [tuple(row) for row in rows]


def test_the_caller_chooses_support_in_the_menu_and_a_support_phone_rings():
    with appliance_at(WEDNESDAY_MORNING, routed_config()) as pbx:
        line = pbx.line(0)
        line.ring("5550100", "SMITH")
        run_until(pbx, line.is_seized, 12)  # the scenario answers to play its greeting
        pbx.run_for(1.5)
        assert line.hears(1.0).level_dbm0 > -40  # the greeting is heard on the line
        line.press("2")
        support = pbx.phone("103")
        run_until(pbx, support.is_ringing, 5)
        assert pbx.phone("104").is_ringing()  # the team rings all at once
        assert not pbx.phone("101").is_ringing() and not pbx.phone("102").is_ringing()
        support.off_hook()
        pbx.run_for(0.5)
        assert not pbx.phone("104").is_ringing()
        assert hears_from(pbx, support, line, 1000) == pytest.approx(-10, abs=1.5)
        assert hears_from(pbx, line, support, 700) == pytest.approx(-10, abs=1.5)
        support.on_hook()
        pbx.run_for(2)
        (row,) = pbx.history()
        path = steps(pbx)
    assert (row["direction"], row["from_number"], row["end_reason"]) == (
        "inbound",
        "5550100",
        "completed",
    )
    assert row["answered_at"] is not None
    assert path == [
        ("main", "", "entered"),
        ("main", "hours", "open"),
        ("main", "greeting", "2"),
        ("main", "support", "answered"),
    ]


def test_after_hours_the_caller_hears_the_closed_greeting_and_no_phone_rings():
    with appliance_at(WEDNESDAY_EVENING, routed_config()) as pbx:
        line = pbx.line(0)
        line.ring("5550100")
        run_until(pbx, line.is_seized, 12)
        pbx.run_for(1.5)
        assert line.hears(1.0).level_dbm0 > -40
        run_until(pbx, lambda: not line.is_seized(), 60)  # greeting, beep, the end
        pbx.run_for(2)
        assert not any(pbx.phone(ext).virtual.ring_log for ext in ("101", "102", "103", "104"))
        (row,) = pbx.history()
        path = steps(pbx)
    assert row["end_reason"] == "voicemail"
    assert ("main", "hours", "closed") in path


def test_a_caller_who_hangs_up_during_the_greeting_ends_the_call_and_frees_the_line():
    with appliance_at(WEDNESDAY_MORNING, routed_config()) as pbx:
        line = pbx.line(0)
        line.ring("5550100")
        run_until(pbx, line.is_seized, 12)
        pbx.run_for(1)
        line.hang_up()
        run_until(pbx, lambda: not line.is_seized(), 10)
        run_until(pbx, lambda: pbx.status()["calls"] == 0, 5)
        pbx.run_for(2)
        (row,) = pbx.history()
        path = steps(pbx)
        # The line works for the next caller.
        line.ring("5550111")
        run_until(pbx, line.is_seized, 12)
    assert (row["end_reason"], row["hung_up_by"]) == ("caller_gave_up", "caller")
    assert path[-1] == ("main", "greeting", "caller_gone")


def test_a_failure_while_handling_the_callers_key_ends_that_call_and_the_line_works_on(
    monkeypatch, caplog
):
    from firmware.routing import runner

    async def broken_menu(operation: Any, walk: Any) -> str:
        await walk.say(operation.prompt)
        raise RuntimeError("injected failure in digit handling")

    monkeypatch.setitem(runner.OPERATIONS, "menu", broken_menu)
    with appliance_at(WEDNESDAY_MORNING, routed_config()) as pbx:
        line = pbx.line(0)
        line.ring("5550100")
        run_until(pbx, line.is_seized, 12)
        run_until(pbx, lambda: not line.is_seized(), 30)  # the system lets the line go
        pbx.run_for(2)
        (failed,) = pbx.history()
        monkeypatch.undo()
        line.ring("5550111")
        run_until(pbx, line.is_seized, 12)
        pbx.run_for(1.5)
        line.press("1")
        run_until(pbx, pbx.phone("101").is_ringing, 5)
    assert (failed["end_reason"], failed["hung_up_by"]) == ("internal_error", "system")
    logged = [r for r in caplog.records if "routing failed" in r.getMessage()]
    assert logged and failed["call_id"] in logged[0].getMessage()
    assert "FXO/4" in logged[0].getMessage()


def test_after_hours_the_callers_message_is_recorded_and_mailed_with_its_audio():
    import io

    import soundfile

    from tests.firmware.mail.smtp_server import SmtpServer
    from tests.firmware.voicemail.audio import rms, speech_like

    spoken = speech_like(4.0)
    with SmtpServer() as server:
        document = routed_config()
        document["email"].update(
            host="127.0.0.1", port=server.port, security="none", from_address="pbx@office.example"
        )
        document["voicemail"] = {
            "boxes": [{"id": "office", "name": "Office", "recipients": ["desk@office.example"]}]
        }
        with appliance_at(WEDNESDAY_EVENING, document) as pbx:
            line = pbx.line(0)
            line.ring("5550100", "SMITH")
            run_until(pbx, line.is_seized, 12)
            run_until(pbx, lambda: line.hears(0.3).frequencies[:1] == (1000.0,), 20)
            pbx.run_for(0.5)  # the tone is over: speak
            line.say(spoken, -10)
            pbx.run_for(len(spoken) / 8000 + 0.5)
            line.press("#")
            run_until(pbx, lambda: not line.is_seized(), 10)
            for _ in range(300):
                if server.received:
                    break
                pbx.run_for(1)
            (row,) = pbx.history()
    (mail,) = server.received
    message = mail.message
    assert mail.recipients == ["desk@office.example"]
    assert "5550100" in message["Subject"].replace("-", "").replace(" ", "").replace(
        "(", ""
    ).replace(")", "")
    (attachment,) = list(message.iter_attachments())
    audio, rate = soundfile.read(io.BytesIO(attachment.get_content()), dtype="int16")
    assert rate == 8000
    assert 3.5 <= len(audio) / rate <= 5.0
    assert rms(audio) > 0.1 * rms(spoken)  # the caller's voice, not silence
    assert row["end_reason"] == "voicemail"


def test_an_employees_no_answer_rule_sends_the_caller_to_their_voicemail_after_20_s():
    import sqlite3 as sqlite

    from tests.firmware.mail.smtp_server import SmtpServer
    from tests.firmware.voicemail.audio import speech_like

    with SmtpServer() as server:
        document = routed_config()
        document["email"].update(
            host="127.0.0.1", port=server.port, security="none", from_address="pbx@office.example"
        )
        document["voicemail"] = {
            "boxes": [{"id": "102", "owner": "102", "recipients": ["anna@office.example"]}]
        }
        document["routing"]["scenarios"] = [
            {"id": "main", "name": "Anna", "start": "anna",
             "operations": {"anna": {"type": "extension", "extension": "102"}}}
        ]  # fmt: skip
        document["routing"]["call_centres"] = []
        (anna,) = [e for e in document["employees"] if e["extension"] == "102"]
        anna["calls"]["forwarding"] = {
            "no_answer_after_s": 20,
            "no_answer": {"action": "voicemail", "notice": "none"},
        }
        with appliance_at(WEDNESDAY_MORNING, document) as pbx:
            line, phone = pbx.line(0), pbx.phone("102")
            line.ring("5550100")
            rang_at = run_until(pbx, phone.is_ringing, 12)
            stopped_at = run_until(pbx, lambda: port_state(pbx, phone.port) != "ringing", 30)
            run_until(pbx, line.is_seized, 5)  # voicemail answers the line
            run_until(pbx, lambda: line.hears(0.3).frequencies[:1] == (1000.0,), 20)
            pbx.run_for(0.5)
            line.say(speech_like(3.0), -10)
            pbx.run_for(3.5)
            line.hang_up()
            run_until(pbx, lambda: not line.is_seized(), 10)
            for _ in range(300):
                if server.received:
                    break
                pbx.run_for(1)
            with sqlite.connect(pbx.paths.history_db) as db:
                kinds = [row[0] for row in db.execute("SELECT kind FROM call_steps ORDER BY id")]
    assert 19 <= stopped_at - rang_at <= 22  # rang for the 20 s of the rule, cadence included
    (mail,) = server.received
    assert mail.recipients == ["anna@office.example"]
    assert len(list(mail.message.iter_attachments())) == 1
    assert "forwarding" in kinds
