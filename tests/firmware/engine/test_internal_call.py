"""An internal call between two analog phones, dialled in DTMF, as the users notice it."""

from __future__ import annotations

import pytest

from tests.firmware.engine.fxs_helpers import (
    InternalCall,
    appliance,
    call,
    check_internal_call,
    config,
    hang_up_detect_s,
)


@pytest.mark.parametrize("country", ["US", "RU"])
def test_dtmf_call_gives_dial_tone_ringback_caller_id_audio_busy_and_a_history_row(country):
    check_internal_call(InternalCall(country, dialling="dtmf"))


def test_callee_hanging_up_first_gives_the_caller_busy_tone_and_is_recorded():
    with appliance("US") as pbx:
        a, b = call(pbx, "101", "102")
        pbx.run_for(2)
        b.on_hook()
        pbx.run_for(hang_up_detect_s("US") + 2.2)
        assert a.hears(2).tone == "busy"
        a.on_hook()
        pbx.run_for(0.5)
        (row,) = pbx.history()
    assert (row["end_reason"], row["hung_up_by"]) == ("completed", "callee")
    assert row["talk_s"] == pytest.approx(2.3 + hang_up_detect_s("US"), abs=0.2)


def test_calling_a_phone_that_is_off_hook_without_a_call_gives_busy():
    with appliance("US") as pbx:
        pbx.phone("102").off_hook()  # hearing dial tone, about to dial
        c = pbx.phone("103")
        c.off_hook()
        pbx.run_for(0.5)
        c.dial("102")
        pbx.run_for(2.5)
        assert c.hears(2).tone == "busy"
        c.on_hook()
        pbx.run_for(1.5)
        (row,) = pbx.history()
    assert (row["from_number"], row["to_number"], row["end_reason"], row["answered_at"]) == (
        "103",
        "102",
        "busy",
        None,
    )


def test_a_third_call_to_a_phone_that_already_has_a_call_waiting_gives_busy():
    with appliance("US") as pbx:
        call(pbx, "101", "102")
        c, d = pbx.phone("103"), pbx.phone("104")
        for phone in (c, d):
            phone.off_hook()
            pbx.run_for(0.5)
            phone.dial("102")
            pbx.run_for(0.5)
        pbx.run_for(8)
        assert c.hears(8).tone == "ringback"  # waiting
        assert d.hears(2).tone == "busy"


def test_caller_giving_up_before_answer_stops_the_ringing_and_records_a_missed_call():
    with appliance("US") as pbx:
        a, b = pbx.phone("101"), pbx.phone("102")
        a.off_hook()
        pbx.run_for(0.5)
        a.dial("102")
        pbx.run_for(3)
        assert b.virtual.ring_log
        a.on_hook()
        pbx.run_for(hang_up_detect_s("US") + 0.5)
        assert not b.is_ringing()
        pbx.run_for(6)
        assert not b.is_ringing()
        (row,) = pbx.history()
    assert (row["end_reason"], row["hung_up_by"], row["answered_at"]) == (
        "caller_gave_up",
        "caller",
        None,
    )


def test_calling_an_extension_without_a_phone_gives_congestion():
    document = config("US")
    document["employees"][3]["fxs_ports"] = []  # 104 has no phone plugged in
    with appliance(document=document) as pbx:
        a = pbx.phone("101")
        a.off_hook()
        pbx.run_for(0.5)
        a.dial("104")
        pbx.run_for(2)
        assert a.hears(1.5).tone == "congestion"
        a.on_hook()
        pbx.run_for(1.5)
        (row,) = pbx.history()
    assert (row["to_number"], row["end_reason"]) == ("104", "unavailable")
