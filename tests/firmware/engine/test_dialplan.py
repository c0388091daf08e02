"""The dial plan: when a number is complete, what it means, and what the caller hears."""

from __future__ import annotations

import pytest

from firmware.engine.dialplan import Action, DialPlan, Match, Verdict
from tests.firmware.engine.fxs_helpers import (
    announcement,
    appliance,
    config,
    hang_up_detect_s,
    similarity,
    wall,
)

CODES = {"pickup_group": "*8", "pickup_directed": "**", "dnd_on": "*78", "dnd_off": "*79"}


def plan(*extensions: str, prefix: str = "9", codes: dict[str, str] = CODES) -> DialPlan:
    return DialPlan.build(extensions or ("101", "102", "201"), prefix, codes)


@pytest.mark.parametrize(
    ("digits", "expected"),
    [
        ("1", Match(Verdict.INCOMPLETE)),
        ("10", Match(Verdict.INCOMPLETE)),
        ("102", Match(Verdict.COMPLETE, Action.EXTENSION, "102")),
        ("103", Match(Verdict.INVALID)),
        ("5", Match(Verdict.INVALID)),
        ("*", Match(Verdict.INCOMPLETE)),
        ("*7", Match(Verdict.INCOMPLETE)),
        ("*78", Match(Verdict.COMPLETE, Action.DND_ON)),
        ("*79", Match(Verdict.COMPLETE, Action.DND_OFF)),
        ("*8", Match(Verdict.COMPLETE, Action.PICKUP_GROUP)),
        ("**", Match(Verdict.INCOMPLETE)),
        ("**20", Match(Verdict.INCOMPLETE)),
        ("**201", Match(Verdict.COMPLETE, Action.PICKUP_DIRECTED, "201")),
        ("**3", Match(Verdict.INVALID)),
        ("9", Match(Verdict.INCOMPLETE)),
        ("95551234", Match(Verdict.INCOMPLETE)),
        ("9555*", Match(Verdict.INVALID)),
        ("9" + "1" * 20, Match(Verdict.COMPLETE, Action.OUTBOUND, "1" * 20)),
    ],
)
def test_each_digit_is_judged_as_it_comes(digits, expected):
    assert plan().match(digits) == expected


@pytest.mark.parametrize(
    ("digits", "expected"),
    [
        ("95551234", Match(Verdict.COMPLETE, Action.OUTBOUND, "5551234")),
        ("9", Match(Verdict.INVALID)),
        ("10", Match(Verdict.INVALID)),
        ("**20", Match(Verdict.INVALID)),
    ],
)
def test_when_the_caller_stops_dialling_the_number_is_complete_or_invalid(digits, expected):
    assert plan().match(digits, timed_out=True) == expected


@pytest.mark.parametrize(
    ("digits", "expected"),
    [
        ("95551234#", Match(Verdict.COMPLETE, Action.OUTBOUND, "5551234")),
        ("10#", Match(Verdict.COMPLETE, Action.EXTENSION, "10")),
        ("1#", Match(Verdict.INVALID)),
        ("9#", Match(Verdict.INVALID)),
        ("#", Match(Verdict.INVALID)),
    ],
)
def test_hash_at_the_end_dials_at_once(digits, expected):
    assert plan("10", "101").match(digits) == expected


def test_a_number_that_a_longer_one_starts_with_waits_for_the_timeout():
    short_and_long = plan("10", "101")
    assert short_and_long.match("10") == Match(Verdict.AMBIGUOUS, Action.EXTENSION, "10")
    assert short_and_long.match("10", timed_out=True).verdict is Verdict.COMPLETE
    assert short_and_long.match("101").verdict is Verdict.COMPLETE


def test_a_feature_code_that_starts_a_longer_code_waits_too():
    codes = {**CODES, "dnd_on": "*7", "dnd_off": "*79"}
    assert plan(codes=codes).match("*7") == Match(Verdict.AMBIGUOUS, Action.DND_ON)
    assert plan(codes=codes).match("*79") == Match(Verdict.COMPLETE, Action.DND_OFF)


def test_a_feature_code_ending_in_hash_is_the_code_not_dial_now():
    codes = {**CODES, "dnd_on": "*7#"}
    assert plan(codes=codes).match("*7#") == Match(Verdict.COMPLETE, Action.DND_ON)


def with_extension_10() -> dict:
    document = config("US")
    document["employees"][3]["extension"] = "10"  # the phone on port 3: 10, next to 101
    document["routing"]["call_centres"][1]["members"][1]["extension"] = "10"  # 104's team
    return document


def test_an_ambiguous_extension_rings_after_the_interdigit_timeout_or_at_once_with_hash():
    with appliance(document=with_extension_10()) as pbx:
        a, ten = pbx.phone("101"), pbx.phone(port=3)
        a.off_hook()
        pbx.run_for(0.5)
        a.dial("10")
        pbx.run_for(3.0)
        assert not ten.virtual.ring_log  # 101 could still follow
        pbx.run_for(1.5)  # past the 4 s inter-digit timeout
        assert ten.virtual.ring_log
        a.on_hook()
        pbx.run_for(hang_up_detect_s("US") + 1)

        a.off_hook()
        pbx.run_for(0.5)
        rings_before = len(ten.virtual.ring_log)
        a.dial("10#")
        dialled = pbx.loop.time()
        pbx.run_for(0.5)
        assert len(ten.virtual.ring_log) > rings_before
        assert ten.virtual.ring_log[-1].start_s - dialled < 0.2


def test_unknown_number_plays_the_announcement_then_congestion_and_is_recorded():
    with appliance("US") as pbx:
        a = pbx.phone("101")
        a.off_hook()
        pbx.run_for(0.5)
        a.dial("5")  # no extension starts with 5: refused at once
        refused_at = wall(pbx)
        prompt = announcement("number_does_not_exist")
        pbx.run_for(len(prompt) / 8000)
        heard = a.virtual.earpiece(len(prompt) / 8000)
        for start_s in (0.5, 2.0, 3.5):  # all of it, piece by piece
            piece = heard[int(start_s * 8000) : int((start_s + 1.5) * 8000)]
            assert similarity(piece, prompt) > 0.9, start_s
        pbx.run_for(3)
        assert a.hears(2).tone == "congestion"
        a.on_hook()
        pbx.run_for(2)
        (row,) = pbx.history()
    assert (row["to_number"], row["end_reason"], row["answered_at"]) == (
        "5",
        "invalid_number",
        None,
    )
    assert row["started_at"] == pytest.approx(refused_at, abs=0.2)


def announcement_after_dialling_nonsense(pbx):
    """101 dials 7, a number nobody has; what the earpiece carries afterwards."""
    a = pbx.phone("101")
    a.off_hook()
    pbx.run_for(0.5)
    a.dial("7")
    pbx.run_for(2.0)
    return a.virtual.earpiece(1.5)


def test_the_announcement_is_in_the_system_language():
    document = config("RU")
    document["system"]["language"] = "ru"
    with appliance(document=document) as pbx:
        heard = announcement_after_dialling_nonsense(pbx)
        assert similarity(heard, announcement("number_does_not_exist", "ru")) > 0.9
        assert similarity(heard, announcement("number_does_not_exist", "en")) < 0.5


def test_a_user_with_a_language_of_their_own_hears_announcements_in_it():
    document = config("US")
    document["employees"][0]["language"] = "uk"  # 101; the system speaks English
    with appliance(document=document) as pbx:
        heard = announcement_after_dialling_nonsense(pbx)
        assert similarity(heard, announcement("number_does_not_exist", "uk")) > 0.9


def test_emergency_numbers_go_straight_out_with_or_without_the_prefix():
    plan = DialPlan.build(
        ["101", "102"],
        "9",
        {"pickup_group": "*8", "pickup_directed": "**", "dnd_on": "*78", "dnd_off": "*79"},
        emergency_numbers=["911"],
    )
    assert plan.match("9").verdict is Verdict.INCOMPLETE
    assert plan.match("91").verdict is Verdict.INCOMPLETE
    assert plan.match("911") == Match(Verdict.COMPLETE, Action.OUTBOUND, "911")
    assert plan.match("9911") == Match(Verdict.INCOMPLETE)
    assert plan.match("9911", timed_out=True) == Match(Verdict.COMPLETE, Action.OUTBOUND, "911")
    assert plan.match("9123", timed_out=True) == Match(Verdict.COMPLETE, Action.OUTBOUND, "123")


def test_every_dial_plan_action_has_what_a_phone_does_for_it():
    from firmware.engine.dialplan import Action
    from firmware.engine.fxs_line import ACTIONS

    assert set(ACTIONS) == set(Action)
