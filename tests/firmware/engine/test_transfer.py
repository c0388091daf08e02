"""Transfer with hook flash: consult and hang up (attended), or hang up while it rings (blind)."""

from __future__ import annotations

from drivers.sim.world import LineState
from firmware.engine.calls import TRANSFER_RECALL_S
from tests.firmware.engine.fxs_helpers import (
    SETTLE_S,
    appliance,
    call,
    consult,
    hang_up_detect_s,
    hears_from,
    hold_music,
    similarity,
)

HANG_UP_S = hang_up_detect_s("US")


def connected(pbx, first, second) -> bool:
    """Both hear each other at the sent level (±1 dB)."""
    return (
        abs(hears_from(pbx, first, second, 1000) + 10) < 1
        and abs(hears_from(pbx, second, first, 700) + 10) < 1
    )


def test_attended_transfer_connects_the_held_party_with_the_consulted_one():
    with appliance("US") as pbx:
        a, b = call(pbx, "101", "102")
        c = pbx.phone("103")
        consult(pbx, a, "103")
        assert c.virtual.ring_log
        c.off_hook()
        pbx.run_for(SETTLE_S)
        assert connected(pbx, a, c)
        assert similarity(b.virtual.earpiece(1), hold_music()) > 0.9
        assert hears_from(pbx, a, b, 1000) < -60  # the consultation is private
        a.on_hook()
        pbx.run_for(HANG_UP_S + 0.3)
        assert connected(pbx, b, c)
        b.on_hook()
        pbx.run_for(HANG_UP_S + 0.3)
        assert c.hears(0.5).frequencies  # busy tone for the one left
        c.on_hook()
        pbx.run_for(0.5)
        rows = pbx.history()
    first = next(row for row in rows if row["to_number"] == "102")
    second = next(row for row in rows if row["to_number"] == "103")
    assert (first["end_reason"], first["hung_up_by"]) == ("transferred", "caller")
    roles = [(leg["party"], leg["role"], leg["end_reason"]) for leg in second["legs"]]
    assert ("101", "caller", "transferred") in roles
    assert ("102", "transfer", "hung_up") in roles
    assert (second["end_reason"], second["answered_at"] is not None) == ("completed", True)


def test_blind_transfer_leaves_the_held_party_on_music_until_the_new_phone_answers():
    with appliance("US") as pbx:
        a, b = call(pbx, "101", "102")
        c = pbx.phone("103")
        consult(pbx, a, "103")
        a.on_hook()  # while 103 still rings
        pbx.run_for(HANG_UP_S + 3)
        assert c.is_ringing() or len(c.virtual.ring_log) > 1
        assert similarity(b.virtual.earpiece(2), hold_music()) > 0.9
        assert not a.is_ringing()
        c.off_hook()
        pbx.run_for(SETTLE_S)
        assert connected(pbx, b, c)
        assert not a.virtual.ring_log
        rows = pbx.history()
    first = next(row for row in rows if row["to_number"] == "102")
    assert first["end_reason"] == "transferred"


def test_blind_transfer_nobody_answers_rings_the_transferrer_back():
    with appliance("US") as pbx:
        a, b = call(pbx, "101", "102")
        c = pbx.phone("103")
        consult(pbx, a, "103")
        a.on_hook()
        pbx.run_for(TRANSFER_RECALL_S - 2)
        assert not a.virtual.ring_log
        pbx.run_for(4)
        assert not c.is_ringing()
        assert a.is_ringing() or a.virtual.ring_log
        assert similarity(b.virtual.earpiece(2), hold_music()) > 0.9
        pbx.run_for(6)
        assert a.caller_id().number == "102"  # who is waiting
        a.off_hook()
        pbx.run_for(SETTLE_S)
        assert connected(pbx, a, b)


def test_consulting_a_busy_phone_gives_busy_and_a_flash_returns_to_the_held_call():
    with appliance("US") as pbx:
        a, b = call(pbx, "101", "102")
        pbx.phone("104").off_hook()
        consult(pbx, a, "104")
        pbx.run_for(1.5)
        assert a.hears(1.5).tone == "busy"
        a.flash()
        pbx.run_for(SETTLE_S)
        assert connected(pbx, a, b)


def test_consulting_the_held_party_itself_gives_busy():
    with appliance("US") as pbx:
        a, b = call(pbx, "101", "102")
        consult(pbx, a, "102")
        pbx.run_for(1.5)
        assert a.hears(1.5).tone == "busy"
        assert similarity(b.virtual.earpiece(1), hold_music()) > 0.9
        a.on_hook()  # the consultation failed: the held call rings back
        pbx.run_for(HANG_UP_S + 1)
        assert a.is_ringing() or a.virtual.ring_log


def test_an_outside_caller_is_transferred_blind_to_another_extension():
    with appliance("US") as pbx:
        line = pbx.line(0)
        a, c = pbx.phone("101"), pbx.phone("103")
        line.ring("5551234", "ACME")
        pbx.run_for(7)
        assert a.caller_id() is not None and a.caller_id().number == "5551234"
        a.off_hook()
        pbx.run_for(1)
        line.say(500, -10)
        pbx.run_for(1)
        assert a.level_at(500, 0.5) > -20
        line.say(None)
        consult(pbx, a, "103")
        a.on_hook()
        pbx.run_for(HANG_UP_S + 1)
        assert similarity(line.virtual.earpiece(1), hold_music()) > 0.8
        c.off_hook()
        pbx.run_for(SETTLE_S)
        line.say(500, -10)
        c.say(1000, -10)
        pbx.run_for(1.0)
        assert c.level_at(500, 0.5) > -20
        assert line.level_at(1000, 0.5) > -20
        line.say(None)
        c.say(None)
        c.on_hook()
        pbx.run_for(HANG_UP_S + 1.5)
        assert line.virtual.state is LineState.IDLE  # the line was released
        rows = pbx.history()
    inbound = next(row for row in rows if row["direction"] == "inbound")
    assert (inbound["from_number"], inbound["end_reason"]) == ("5551234", "transferred")
    onward = next(row for row in rows if row["to_number"] == "103")
    assert ("FXO/4", "transfer") in [(leg["channel"], leg["role"]) for leg in onward["legs"]]


def test_a_flash_while_the_consultation_rings_cancels_it_and_returns_to_the_held_call():
    with appliance("US") as pbx:
        a, b = call(pbx, "101", "102")
        c = pbx.phone("103")
        consult(pbx, a, "103")
        assert c.virtual.ring_log
        a.flash()
        pbx.run_for(SETTLE_S)
        assert not c.is_ringing()
        assert connected(pbx, a, b)
        pbx.run_for(6)
        assert not c.is_ringing()
