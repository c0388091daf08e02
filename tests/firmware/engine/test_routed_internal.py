"""Numbers a phone dials that routing serves, on the simulated hat: a colleague's extension
(their forwarding rules apply to internal calls too), the agents' log-in and log-out codes,
and the voicemail code. Every key is DTMF audio the phone sends through its port."""

from __future__ import annotations

import sqlite3
from typing import Any

from tests.firmware.engine.test_inbound import run_until
from tests.firmware.engine.test_routed_inbound import (
    WEDNESDAY_MORNING,
    appliance_at,
    port_state,
    routed_config,
)


def _kinds(history_db: Any) -> list[str]:
    with sqlite3.connect(history_db) as db:
        return [row[0] for row in db.execute("SELECT kind FROM call_steps ORDER BY id")]


def mail_to(server: Any, document: dict[str, Any]) -> dict[str, Any]:
    document["email"].update(
        host="127.0.0.1", port=server.port, security="none", from_address="pbx@office.example"
    )
    return document


def unanswered_call_leaves_a_message(pbx: Any, server: Any, caller: str, callee: str) -> Any:
    """`caller` dials `callee`, who does not answer; when the caller hears the voicemail
    beep they speak for 3 s and hang up. Returns how long the callee's phone rang (s), the
    kinds of routing step the call took, and its history row."""
    from tests.firmware.voicemail.audio import speech_like

    calling, called = pbx.phone(caller), pbx.phone(callee)
    calling.off_hook()
    pbx.run_for(0.5)
    calling.dial(callee)
    rang_at = run_until(pbx, called.is_ringing, 5)
    pbx.run_for(7)
    assert calling.hears(6.5).tone == "ringback"
    assert called.caller_id() is not None
    assert called.caller_id().number == caller  # type: ignore[union-attr]
    stopped_at = run_until(pbx, lambda: port_state(pbx, called.port) != "ringing", 130)
    run_until(pbx, lambda: calling.hears(0.3).frequencies[:1] == (1000.0,), 20)
    pbx.run_for(0.5)  # after the beep: speak
    calling.say(speech_like(3.0), -10)
    pbx.run_for(3.5)
    calling.on_hook()
    for _ in range(300):
        if server.received:
            break
        pbx.run_for(1)
    (row,) = pbx.history()
    return stopped_at - rang_at, _kinds(pbx.paths.history_db), row


def test_a_colleague_who_does_not_answer_sends_an_internal_caller_to_voicemail_and_mail():
    from tests.firmware.mail.smtp_server import SmtpServer

    with SmtpServer() as server:
        document = mail_to(server, routed_config())
        document["voicemail"] = {
            "boxes": [{"id": "102", "owner": "102", "recipients": ["anna@office.example"]}]
        }
        (anna,) = [e for e in document["employees"] if e["extension"] == "102"]
        anna["calls"]["forwarding"] = {
            "no_answer_after_s": 20,
            "no_answer": {"action": "voicemail", "notice": "none"},
        }
        with appliance_at(WEDNESDAY_MORNING, document) as pbx:
            rang_s, kinds, row = unanswered_call_leaves_a_message(pbx, server, "101", "102")
    assert 19 <= rang_s <= 22  # the rule's 20 s, cadence included
    (mail,) = server.received
    assert mail.recipients == ["anna@office.example"]
    assert len(list(mail.message.iter_attachments())) == 1  # the caller's message
    assert kinds == ["direct", "forwarding"]
    assert (row["direction"], row["from_number"], row["to_number"]) == ("internal", "101", "102")


def test_a_busy_colleague_gives_busy_tone_and_history_says_busy():
    with appliance_at(WEDNESDAY_MORNING, routed_config()) as pbx:
        caller, busy = pbx.phone("101"), pbx.phone("102")
        busy.off_hook()  # dialling, not free
        pbx.run_for(0.5)
        caller.off_hook()
        pbx.run_for(0.5)
        caller.dial("102")
        pbx.run_for(4)
        assert caller.hears(3).tone == "busy"
        caller.on_hook()
        busy.on_hook()
        pbx.run_for(2)
        rows = pbx.history()
    assert [(r["to_number"], r["end_reason"]) for r in rows if r["to_number"] == "102"] == [
        ("102", "busy")
    ]


def test_an_agent_logs_in_from_the_phone_and_then_takes_the_call_centres_calls():
    document = routed_config()
    for centre in document["routing"]["call_centres"]:
        centre["login_required"] = True
    with appliance_at(WEDNESDAY_MORNING, document) as pbx:
        line, agent, colleague = pbx.line(0), pbx.phone("103"), pbx.phone("104")
        # Nobody logged in: a support call finds no agent to ring.
        line.ring("5550100")
        run_until(pbx, line.is_seized, 12)
        pbx.run_for(1.5)
        line.press("2")
        pbx.run_for(6)
        assert not agent.is_ringing() and not colleague.is_ringing()
        line.hang_up()
        pbx.run_for(3)

        agent.off_hook()
        pbx.run_for(0.5)
        agent.dial("*55")
        pbx.run_for(1.0)
        assert agent.hears(0.8).level_dbm0 > -40  # the spoken confirmation
        assert agent.hears(0.8).tone is None
        pbx.run_for(4)
        agent.on_hook()
        pbx.run_for(1)

        line.ring("5550101")
        run_until(pbx, line.is_seized, 12)
        pbx.run_for(1.5)
        line.press("2")
        run_until(pbx, agent.is_ringing, 8)
        assert not colleague.is_ringing()  # 104 never logged in
        line.hang_up()
        pbx.run_for(3)

        agent.off_hook()
        pbx.run_for(0.5)
        agent.dial("*56")
        pbx.run_for(5)
        agent.on_hook()
        pbx.run_for(1)
        line.ring("5550102")
        run_until(pbx, line.is_seized, 12)
        pbx.run_for(1.5)
        line.press("2")
        pbx.run_for(6)
        assert not agent.is_ringing()  # logged out again


def test_the_voicemail_code_opens_ones_own_box_with_spoken_prompts():
    document = routed_config()
    document["voicemail"] = {"boxes": [{"id": "101", "owner": "101", "pin": "4321"}]}
    with appliance_at(WEDNESDAY_MORNING, document) as pbx:
        owner = pbx.phone("101")
        owner.off_hook()
        pbx.run_for(0.5)
        owner.dial("*97")
        pbx.run_for(1.5)
        heard = owner.hears(1.0)
        assert heard.level_dbm0 > -40 and heard.tone is None  # a voice, not a tone
        owner.on_hook()
        pbx.run_for(2)
        kinds = _kinds(pbx.paths.history_db)
    assert "voicemail_by_phone" in kinds


def test_a_phone_with_no_voicemail_box_hears_that_it_has_none():
    with appliance_at(WEDNESDAY_MORNING, routed_config()) as pbx:
        phone = pbx.phone("104")
        phone.off_hook()
        pbx.run_for(0.5)
        phone.dial("*97")
        pbx.run_for(1.5)
        heard = phone.hears(1.0)
        assert heard.level_dbm0 > -40 and heard.tone is None
        pbx.run_for(8)
        assert phone.hears(1.0).tone in ("busy", "congestion")  # then the call is over


def _attribution(history_db: Any) -> list[tuple[str, str, str, str]]:
    with sqlite3.connect(history_db) as db:
        return list(
            db.execute(
                "SELECT employee, outcome, note, forwarded_from FROM call_attribution ORDER BY 1"
            )
        )


def test_forwarded_on_no_answer_to_a_colleague_who_answers_counts_as_the_colleagues_call():
    from tests.firmware.engine.fxs_helpers import hears_from

    document = routed_config()
    (anna,) = [e for e in document["employees"] if e["extension"] == "102"]
    anna["calls"]["forwarding"] = {
        "no_answer_after_s": 15,
        "no_answer": {"action": "forward", "target": "103", "notice": "none"},
    }
    with appliance_at(WEDNESDAY_MORNING, document) as pbx:
        caller, anna_phone, colleague = pbx.phone("101"), pbx.phone("102"), pbx.phone("103")
        caller.off_hook()
        pbx.run_for(0.5)
        caller.dial("102")
        rang_at = run_until(pbx, anna_phone.is_ringing, 5)
        forwarded_at = run_until(pbx, colleague.is_ringing, 30)
        assert not anna_phone.is_ringing()
        colleague.off_hook()
        pbx.run_for(0.5)
        assert hears_from(pbx, caller, colleague, 1000) > -20  # they talk
        caller.on_hook()
        pbx.run_for(1)
        colleague.on_hook()
        pbx.run_for(2)
        attribution = _attribution(pbx.paths.history_db)
        kinds = _kinds(pbx.paths.history_db)
    assert 14 <= forwarded_at - rang_at <= 17
    assert kinds == ["direct", "forwarding"]
    assert attribution == [("103", "answered", "", "102")]


def test_a_busy_colleague_with_a_busy_rule_forwards_the_caller_and_misses_the_call():
    document = routed_config()
    (anna,) = [e for e in document["employees"] if e["extension"] == "102"]
    anna["calls"]["forwarding"] = {
        "busy": {"action": "forward", "target": "103", "notice": "none"},
    }
    with appliance_at(WEDNESDAY_MORNING, document) as pbx:
        caller, anna_phone, colleague = pbx.phone("101"), pbx.phone("102"), pbx.phone("103")
        anna_phone.off_hook()  # busy: dialling
        pbx.run_for(0.5)
        caller.off_hook()
        pbx.run_for(0.5)
        caller.dial("102")
        run_until(pbx, colleague.is_ringing, 10)
        pbx.run_for(3)
        caller.on_hook()  # nobody took it
        pbx.run_for(2)
        attribution = _attribution(pbx.paths.history_db)
    assert attribution == [("102", "missed", "", "")]
