"""Hook flash puts a call on hold: the held party hears music, the holder a new dial tone."""

from __future__ import annotations

from tests.firmware.engine.fxs_helpers import (
    SETTLE_S,
    appliance,
    call,
    hang_up_detect_s,
    hears_from,
    hold_music,
    similarity,
)


def test_held_party_hears_music_and_the_holder_a_dial_tone_until_a_second_flash():
    with appliance("US") as pbx:
        a, b = call(pbx, "101", "102")
        a.flash()
        pbx.run_for(2)
        assert similarity(b.virtual.earpiece(1.5), hold_music()) > 0.9
        assert a.hears(1).tone == "dial"
        assert hears_from(pbx, a, b, 1000) < -60  # the holder is not heard
        a.flash()  # back without dialling
        pbx.run_for(SETTLE_S)
        assert abs(hears_from(pbx, a, b, 1000) + 10) < 1
        assert abs(hears_from(pbx, b, a, 700) + 10) < 1
        assert similarity(b.virtual.earpiece(0.3), hold_music()) < 0.5


def test_a_held_call_rings_back_when_the_holder_hangs_up_and_is_taken_again():
    with appliance("US") as pbx:
        a, b = call(pbx, "101", "102")
        a.flash()
        pbx.run_for(1)
        a.on_hook()
        pbx.run_for(hang_up_detect_s("US") + 1.5)
        assert a.is_ringing() or a.virtual.ring_log
        pbx.run_for(6)
        assert a.caller_id() is not None and a.caller_id().number == "102"
        assert similarity(b.virtual.earpiece(3), hold_music()) > 0.9  # still waiting
        a.off_hook()
        pbx.run_for(SETTLE_S)
        assert not a.is_ringing()
        assert abs(hears_from(pbx, a, b, 1000) + 10) < 1
        assert abs(hears_from(pbx, b, a, 700) + 10) < 1


def test_held_party_hanging_up_ends_the_call_and_stops_the_ring_back():
    with appliance("US") as pbx:
        a, b = call(pbx, "101", "102")
        a.flash()
        pbx.run_for(1)
        a.on_hook()
        pbx.run_for(hang_up_detect_s("US") + 1.0)
        b.on_hook()
        pbx.run_for(hang_up_detect_s("US") + 0.5)
        assert not a.is_ringing()
        pbx.run_for(6)
        assert not a.is_ringing()
        (row,) = pbx.history()
    assert (row["end_reason"], row["hung_up_by"]) == ("completed", "callee")


def test_a_flash_while_a_call_rings_out_abandons_it_for_a_fresh_dial_tone():
    with appliance("US") as pbx:
        a = pbx.phone("101")
        a.off_hook()
        pbx.run_for(0.5)
        a.dial("102")
        pbx.run_for(1)
        a.flash()
        pbx.run_for(1.2)
        assert not pbx.phone("102").is_ringing()
        assert a.hears(1).tone == "dial"
        a.dial("103")
        pbx.run_for(0.5)
        assert pbx.phone("103").virtual.ring_log
