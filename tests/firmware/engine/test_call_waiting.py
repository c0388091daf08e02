"""Call waiting: a second call knocks with a tone over the conversation; flash switches."""

from __future__ import annotations

import pytest

from firmware.countries import load_country
from tests.firmware.engine.fxs_helpers import (
    SETTLE_S,
    appliance,
    call,
    hang_up_detect_s,
    hears_from,
    hold_music,
    similarity,
)
from tests.firmware.engine.fxs_helpers import config as fxs_config


def knock(pbx, number: str, callee: str):
    phone = pbx.phone(number)
    phone.off_hook()
    pbx.run_for(0.5)
    phone.dial(callee)
    return phone


@pytest.mark.parametrize("country", ["US", "RU"])
def test_a_second_call_sounds_the_call_waiting_tone_only_to_the_busy_phone(country):
    spec = load_country(country).tones["call_waiting"]
    with appliance(country) as pbx:
        a, b = call(pbx, "101", "102")
        c = knock(pbx, "103", "101")
        pbx.run_for(1.0)
        tone = a.hears(1.2)
        assert tone.frequencies == pytest.approx(spec.frequencies, abs=3)
        assert tone.on_level_dbm0 == pytest.approx(spec.level_dbm0, abs=1)
        assert tone.cadence_ms == pytest.approx(spec.cadence_ms[:1], abs=25)
        assert b.hears(1.2).level_dbm0 < -60  # the other party hears nothing of it
        assert not a.is_ringing()
        pbx.run_for(6)
        assert c.hears(6).frequencies  # ringback meanwhile
        assert abs(hears_from(pbx, a, b, 1000) + 10) < 1  # the conversation goes on


def test_flash_answers_the_waiting_call_and_flashes_switch_between_the_two():
    with appliance("US") as pbx:
        a, b = call(pbx, "101", "102")
        c = knock(pbx, "103", "101")
        pbx.run_for(1.0)
        a.flash()
        pbx.run_for(SETTLE_S)
        assert abs(hears_from(pbx, a, c, 1000) + 10) < 1
        assert abs(hears_from(pbx, c, a, 700) + 10) < 1
        assert similarity(b.virtual.earpiece(1), hold_music()) > 0.9
        a.flash()
        pbx.run_for(SETTLE_S)
        assert abs(hears_from(pbx, a, b, 1000) + 10) < 1
        assert abs(hears_from(pbx, b, a, 700) + 10) < 1
        assert similarity(c.virtual.earpiece(1), hold_music()) > 0.9
        a.on_hook()  # 103 still holds: it rings back
        pbx.run_for(hang_up_detect_s("US") + 7)
        assert a.caller_id() is not None and a.caller_id().number == "103"
        a.off_hook()
        pbx.run_for(SETTLE_S)
        assert abs(hears_from(pbx, c, a, 700) + 10) < 1
        pbx.run_for(2.5)
        assert b.hears(2).tone == "busy"  # 101 left the call with 102


def test_hanging_up_with_a_call_waiting_rings_the_phone_for_it():
    with appliance("US") as pbx:
        a, _ = call(pbx, "101", "102")
        c = knock(pbx, "103", "101")
        pbx.run_for(1.0)
        a.on_hook()
        pbx.run_for(hang_up_detect_s("US") + 7)
        assert a.virtual.ring_log
        assert a.caller_id().number == "103"
        a.off_hook()
        pbx.run_for(SETTLE_S)
        assert abs(hears_from(pbx, c, a, 700) + 10) < 1


def test_the_tone_stops_when_the_waiting_caller_gives_up():
    with appliance("US") as pbx:
        a, _ = call(pbx, "101", "102")
        c = knock(pbx, "103", "101")
        pbx.run_for(0.5)
        c.on_hook()
        pbx.run_for(hang_up_detect_s("US") + 10)  # past the tone's next repeat
        assert a.level_at(440, 9.5) < -60
        a.on_hook()
        pbx.run_for(hang_up_detect_s("US") + 6)
        assert not a.virtual.ring_log


def test_a_phone_without_call_waiting_is_busy_to_a_second_caller():
    """A fax machine's port: no tone may break its transfer, the second caller hears busy."""
    document = fxs_config("US")
    for port in document["hat"]["ports"]:
        if port["port"] == 0:
            port["call_waiting"] = False
    with appliance("US", document) as pbx:
        a, b = call(pbx, "101", "102")
        c = knock(pbx, "103", "101")
        pbx.run_for(3.0)
        assert a.hears(2).level_dbm0 < -60  # no tone over the conversation
        assert c.hears(2).tone == "busy"
        assert abs(hears_from(pbx, a, b, 1000) + 10) < 1  # the conversation goes on
