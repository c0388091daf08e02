"""Rotary (pulse) dialling: the same internal call as with DTMF, digits from the hook switch."""

from __future__ import annotations

import pytest

from tests.firmware.engine.fxs_helpers import (
    InternalCall,
    announcement,
    appliance,
    check_internal_call,
    similarity,
)


@pytest.mark.parametrize("country", ["US", "RU"])
def test_pulse_dialled_call_gives_dial_tone_ringback_caller_id_audio_busy_and_history(country):
    check_internal_call(InternalCall(country, dialling="pulse"))


@pytest.mark.parametrize(("pps", "break_ratio"), [(8, 0.6), (10, 0.67), (12, 0.6)])
def test_rotary_dials_of_different_speeds_reach_the_extension(pps, break_ratio):
    with appliance("RU") as pbx:
        a, b = pbx.phone("101"), pbx.phone("104")
        a.off_hook()
        pbx.run_for(0.5)
        a.dial_pulse("104", pps=pps, break_ratio=break_ratio)
        pbx.run_for(1.0)
        assert b.virtual.ring_log, "104 never rang"
        assert not pbx.phone("102").virtual.ring_log


def test_dial_tone_stops_at_the_first_pulse_digit_and_an_unknown_number_is_announced():
    with appliance("US") as pbx:
        a = pbx.phone("101")
        a.off_hook()
        pbx.run_for(0.5)
        a.dial_pulse("1")
        pbx.run_for(0.3)
        assert a.hears(0.25).level_dbm0 < -60  # silence while dialling
        a.dial_pulse("0")
        pbx.run_for(0.5)
        assert not any(pbx.phone(n).virtual.ring_log for n in ("101", "102", "103", "104"))
        pbx.run_for(4.0 + 2.0)  # "10" is no number: after the inter-digit timeout, the prompt
        assert similarity(a.virtual.earpiece(1.5), announcement("number_does_not_exist")) > 0.9
