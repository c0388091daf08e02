"""Forwarding of direct calls nobody answers, is busy for, or whose phone has failed, and
how history counts them: the colleague's call when the colleague answers, missed by the
employee otherwise, marked "voicemail" when it reached their voicemail."""

import sqlite3

from firmware.verbs import EndReason
from tests.firmware.routing.conftest import Rig, config_with, people, run, scenario
from tests.firmware.routing.fake_control import Person

NOBODY = Person(answers_after_s=None)


def direct(tmp_path, crowd=None, routing=None, patience_s=None, **rules):
    config = config_with(routing, e102={"forwarding": rules} if rules else {})
    history = tmp_path / "history.db"

    async def main():
        rig = Rig(config, crowd or people(e102=NOBODY), history_db=history)
        return await rig.direct("102", caller_number="84957001122", patience_s=patience_s)

    call = run(main())
    rows = sqlite3.connect(history).execute(
        "SELECT employee, outcome, note, forwarded_from FROM call_attribution"
    )
    return call, list(rows)


def test_by_default_an_unanswered_direct_call_hears_busy_after_two_minutes(tmp_path):
    call, attribution = direct(tmp_path)
    assert call.heard == [(0.0, "ringback"), (120.0, "tone:busy"), (130.0, "hung_up:no_answer")]
    assert call.end_reason == EndReason.NO_ANSWER
    assert attribution == [("102", "missed", "", "")]


def test_answered_direct_call_is_the_employees(tmp_path):
    call, attribution = direct(tmp_path, crowd=people())
    assert call.answered_by == "102"
    assert attribution == [("102", "answered", "", "")]


def test_drop_with_the_standard_or_a_custom_message(tmp_path):
    rule = {"action": "message"}
    call, attribution = direct(tmp_path, no_answer_after_s=30, no_answer=rule)
    assert call.heard_names() == ["ringback", "employee_unavailable", "hung_up:no_answer"]
    assert call.heard[1][0] == 30.0
    assert attribution == [("102", "missed", "", "")]
    rule = {"action": "message", "greeting": "office_closed"}
    call, _ = direct(tmp_path / "again", no_answer_after_s=30, no_answer=rule)
    assert call.heard_names()[1] == "office_closed"


def test_forward_to_a_colleague_who_answers_counts_as_the_colleagues_call(tmp_path):
    rule = {"action": "forward", "target": "103"}
    call, attribution = direct(tmp_path, no_answer_after_s=20, no_answer=rule)
    assert call.heard_names() == ["ringback", "forward_notice", "ringback", "talking:103"]
    assert attribution == [("103", "answered", "", "102")]


def test_forward_to_a_colleague_who_does_not_answer_counts_as_missed_by_the_employee(tmp_path):
    rule = {"action": "forward", "target": "103", "notice": "none"}
    crowd = people(e102=NOBODY, e103=NOBODY)
    call, attribution = direct(tmp_path, crowd=crowd, no_answer_after_s=20, no_answer=rule)
    assert call.heard_names() == ["ringback", "ringback", "tone:busy", "hung_up:no_answer"]
    assert attribution == [("102", "missed", "", "")]


def test_forward_to_a_call_centre_with_a_custom_notice(tmp_path):
    routing = {"call_centres": [{"id": "support", "members": [{"extension": "104"}]}]}
    rule = {"action": "forward", "target": "cc:support", "notice": "custom", "greeting": "menu"}
    call, attribution = direct(tmp_path, routing=routing, no_answer_after_s=20, no_answer=rule)
    assert call.heard_names() == ["ringback", "menu", "music", "talking:104"]
    assert attribution == [("104", "answered", "", "102")]


def test_forward_to_voicemail_marks_the_missed_call_voicemail(tmp_path):
    rule = {"action": "voicemail"}
    call, attribution = direct(tmp_path, no_answer_after_s=20, no_answer=rule)
    assert call.heard_names() == [
        "ringback",
        "forward_notice",
        "voicemail_greeting",
        "beep",
        "hung_up:voicemail",
    ]
    assert attribution == [("102", "missed", "voicemail", "")]


def test_a_caller_who_hangs_up_before_the_voicemail_tone_is_a_plain_missed_call(tmp_path):
    rule = {"action": "voicemail", "notice": "none"}
    call, attribution = direct(tmp_path, patience_s=22, no_answer_after_s=20, no_answer=rule)
    assert call.end_reason == EndReason.CALLER_GAVE_UP
    assert attribution == [("102", "missed", "", "")]


def test_busy_and_failed_port_have_their_own_rules(tmp_path):
    crowd = people(e102=Person(busy=True))
    call, attribution = direct(
        tmp_path, crowd=crowd, busy={"action": "forward", "target": "104", "notice": "none"}
    )
    assert call.heard_names() == ["ringback", "ringback", "talking:104"]
    assert attribution == [("104", "answered", "", "102")]
    crowd = people(e102=Person(failed=True))
    call, _ = direct(tmp_path / "again", crowd=crowd, port_failed={"action": "message"})
    assert call.heard_names() == ["ringback", "employee_unavailable", "hung_up:port_failed"]


def test_an_outside_caller_who_reached_the_extension_follows_its_forwarding(tmp_path):
    operations = {"first": {"type": "extension", "extension": "102", "ring_s": 15}}
    config = config_with(
        scenario(operations),
        e102={"forwarding": {"no_answer": {"action": "forward", "target": "103"}}},
    )

    async def main():
        return await Rig(config, people(e102=NOBODY)).inbound()

    call = run(main())
    assert call.answered_by == "103"
    assert call.heard[1] == (15.0, "forward_notice")
