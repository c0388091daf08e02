"""A phone left off-hook without a call: its tone, then the off-hook warning, then quiet."""

from __future__ import annotations

import pytest

from firmware.countries import load_country
from firmware.engine.fxs_line import OFF_HOOK_WARNING_S
from tests.firmware.engine.fxs_helpers import appliance, call, config, hang_up_detect_s

WARN_AFTER_S = 5.0


def quick_warning(country: str = "US") -> dict:
    return config(country, off_hook_warning_after_s=WARN_AFTER_S)


@pytest.mark.parametrize("country", ["US", "RU"])
def test_dial_tone_nobody_dials_on_turns_into_the_country_warning_tone(country):
    spec = load_country(country).tones["off_hook_warning"]
    with appliance(document=quick_warning(country)) as pbx:
        a = pbx.phone("101")
        a.off_hook()
        pbx.run_for(WARN_AFTER_S - 0.2)
        assert a.hears(1).tone == "dial"
        pbx.run_for(2.2)
        warning = a.hears(1.5)
        assert warning.tone == "off_hook_warning"
        assert sorted(warning.frequencies) == pytest.approx(sorted(spec.frequencies), abs=5)


def test_warning_then_the_line_parks_silent_busy_to_callers_until_hung_up():
    with appliance(document=quick_warning()) as pbx:
        a = pbx.phone("101")
        a.off_hook()
        pbx.run_for(WARN_AFTER_S + OFF_HOOK_WARNING_S - 1)
        assert a.hears(0.8).tone == "off_hook_warning"
        pbx.run_for(2)
        assert a.hears(0.8).level_dbm0 < -60  # parked
        c = pbx.phone("103")
        c.off_hook()
        pbx.run_for(0.5)
        c.dial("101")
        pbx.run_for(2.5)
        assert c.hears(2).tone == "busy"
        assert not a.virtual.ring_log
        a.on_hook()
        pbx.run_for(hang_up_detect_s("US") + 0.3)
        a.off_hook()
        pbx.run_for(1)
        assert a.hears(0.8).tone == "dial"


def test_busy_tone_after_the_other_side_hung_up_turns_into_the_warning():
    with appliance(document=quick_warning()) as pbx:
        a, b = call(pbx, "101", "102")
        a.on_hook()
        pbx.run_for(hang_up_detect_s("US") + 2.2)
        assert b.hears(2).tone == "busy"
        pbx.run_for(WARN_AFTER_S)
        assert b.hears(1.5).tone == "off_hook_warning"


def test_an_unfinished_number_ends_in_the_warning_too():
    with appliance(document=quick_warning()) as pbx:
        a = pbx.phone("101")
        a.off_hook()
        pbx.run_for(0.5)
        a.dial("10")  # then nothing: the inter-digit timeout refuses it
        pbx.run_for(4 + WARN_AFTER_S + 2)
        assert a.hears(1.5).tone == "off_hook_warning"


def test_a_flash_on_a_parked_line_gives_a_fresh_dial_tone():
    with appliance(document=quick_warning()) as pbx:
        a = pbx.phone("101")
        a.off_hook()
        pbx.run_for(WARN_AFTER_S + 1)
        a.flash()
        pbx.run_for(1)
        assert a.hears(0.8).tone == "dial"
