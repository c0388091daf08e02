"""Call pickup by feature code: any ringing phone of the group (*8), or one extension (**NNN)."""

from __future__ import annotations

from tests.firmware.engine.fxs_helpers import (
    SETTLE_S,
    appliance,
    config,
    hang_up_detect_s,
    hears_from,
)


def ring(pbx, caller: str, callee: str):
    phone = pbx.phone(caller)
    phone.off_hook()
    pbx.run_for(0.5)
    phone.dial(callee)
    pbx.run_for(1.5)
    assert pbx.phone(callee).virtual.ring_log
    return phone


def pick_up(pbx, number: str, code: str):
    phone = pbx.phone(number)
    phone.off_hook()
    pbx.run_for(0.5)
    phone.dial(code)
    pbx.run_for(SETTLE_S)
    return phone


def test_group_pickup_answers_the_call_ringing_another_phone_of_the_group():
    with appliance("US") as pbx:
        a = ring(pbx, "101", "102")
        c = pick_up(pbx, "103", "*8")
        assert not pbx.phone("102").is_ringing()
        assert abs(hears_from(pbx, a, c, 1000) + 10) < 1
        assert abs(hears_from(pbx, c, a, 700) + 10) < 1
        pbx.run_for(6)
        assert not pbx.phone("102").is_ringing()
        c.on_hook()
        pbx.run_for(hang_up_detect_s("US") + 0.5)
        (row,) = pbx.history()
    legs = {leg["party"]: (leg["role"], leg["end_reason"]) for leg in row["legs"]}
    assert legs["102"] == ("callee", "answered_elsewhere")
    assert legs["103"][0] == "pickup"
    assert (row["end_reason"], row["hung_up_by"]) == ("completed", "callee")


def test_directed_pickup_takes_the_call_of_the_named_extension_in_any_group():
    document = config("US")
    document["employees"][1]["pickup_group"] = "sales"  # 102: out of 103's group
    with appliance(document=document) as pbx:
        a = ring(pbx, "101", "102")
        c = pick_up(pbx, "103", "**102")
        assert not pbx.phone("102").is_ringing()
        assert abs(hears_from(pbx, a, c, 1000) + 10) < 1
        assert abs(hears_from(pbx, c, a, 700) + 10) < 1


def test_directed_pickup_of_an_extension_that_is_not_ringing_gives_congestion():
    with appliance("US") as pbx:
        ring(pbx, "101", "102")
        c = pick_up(pbx, "103", "**104")
        pbx.run_for(2)
        assert c.hears(2).tone == "congestion"
        assert pbx.phone("102").is_ringing() or len(pbx.phone("102").virtual.ring_log) > 1


def test_nothing_to_pick_up_gives_congestion():
    with appliance("US") as pbx:
        c = pick_up(pbx, "103", "*8")
        pbx.run_for(2)
        assert c.hears(2).tone == "congestion"


def test_group_pickup_leaves_calls_of_other_groups_ringing():
    document = config("US")
    document["employees"][1]["pickup_group"] = "sales"  # 102
    with appliance(document=document) as pbx:
        ring(pbx, "101", "102")
        c = pick_up(pbx, "103", "*8")
        pbx.run_for(2)
        assert c.hears(2).tone == "congestion"
        pbx.run_for(4)
        assert pbx.phone("102").is_ringing() or len(pbx.phone("102").virtual.ring_log) > 2


def test_pickup_of_an_outside_call_connects_the_line():
    with appliance("US") as pbx:
        line = pbx.line(0)  # rings 101
        line.ring("5551234", "ACME")
        pbx.run_for(7)
        assert pbx.phone("101").virtual.ring_log
        c = pick_up(pbx, "104", "**101")
        pbx.run_for(1)
        line.say(500, -10)
        c.say(1000, -10)
        pbx.run_for(1)
        assert c.level_at(500, 0.5) > -20
        assert line.level_at(1000, 0.5) > -20
        assert not pbx.phone("101").is_ringing()
