"""How phones ring: internal and external cadences, and caller ID between the rings."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from firmware.countries import load_country
from tests.firmware.engine.fxs_helpers import appliance, config, wall


def ring_from_extension(pbx, caller: str, callee: str, seconds: float):
    phone = pbx.phone(caller)
    phone.off_hook()
    pbx.run_for(0.5)
    phone.dial(callee)
    pbx.run_for(seconds)
    return pbx.phone(callee)


@pytest.mark.parametrize("country", ["US", "RU"])
def test_internal_and_external_calls_ring_with_different_cadences(country):
    cadences = load_country(country).ringing.cadences_ms
    assert list(cadences.internal) != list(cadences.external)
    with appliance(country) as pbx:
        pbx.line(0).ring("5551234")  # the lines ring 101
        pbx.run_for(sum(cadences.external) * 2 / 1000 + 0.5)
        outside = pbx.phone("101").virtual.ring_cadence_ms()
        inside = ring_from_extension(pbx, "103", "102", sum(cadences.internal) * 2 / 1000 + 0.5)
        internal = inside.virtual.ring_cadence_ms()
    assert outside[: len(cadences.external)] == pytest.approx(list(cadences.external), abs=30)
    assert internal[: len(cadences.internal)] == pytest.approx(list(cadences.internal), abs=30)


@pytest.mark.parametrize(
    ("country", "standard", "timezone"),
    [("US", "bell202", "America/New_York"), ("RU", "etsi_fsk", "Europe/Moscow")],
)
def test_caller_id_shows_number_name_and_local_time_between_the_first_rings(
    country, standard, timezone
):
    document = config(country)
    document["system"]["timezone"] = timezone
    document["employees"][0]["name"] = "Anna"
    with appliance(document=document) as pbx:
        callee = ring_from_extension(pbx, "101", "103", 0.1)
        rung_at = wall(pbx)
        cycle_s = sum(load_country(country).ringing.cadences_ms.internal) / 1000
        pbx.run_for(cycle_s + 0.5)
        shown = callee.caller_id()
        first_ring, second_cycle = callee.virtual.ring_log[0], callee.virtual.ring_log[-1]
    local = dt.datetime.fromtimestamp(rung_at, zoneinfo.ZoneInfo(timezone))
    assert shown is not None
    assert (shown.number, shown.name, shown.standard) == ("101", "Anna", standard)
    assert shown.time == local.strftime("%m%d%H%M")
    assert first_ring.start_s < shown.received_at < second_cycle.start_s  # between the rings


@pytest.mark.parametrize(("country", "standard"), [("GB", "etsi_fsk"), ("UA", "dtmf")])
def test_countries_that_send_caller_id_before_the_first_ring_do_so(country, standard):
    with appliance(country) as pbx:
        callee = ring_from_extension(pbx, "101", "103", 3.5)
        shown = callee.caller_id()
        first_ring = callee.virtual.ring_log[0]
    assert shown is not None and (shown.number, shown.standard) == ("101", standard)
    assert shown.received_at < first_ring.start_s


def test_a_phone_with_caller_id_turned_off_rings_without_it():
    document = config("US")
    document["hat"]["ports"][2]["caller_id"] = False  # 103's phone
    with appliance(document=document) as pbx:
        callee = ring_from_extension(pbx, "101", "103", 7)
        assert len(callee.virtual.ring_log) >= 3
        assert callee.caller_id() is None


def test_an_outside_call_without_caller_id_shows_it_as_unavailable():
    with appliance("US") as pbx:
        pbx.line(0).ring()
        pbx.run_for(11)
        shown = pbx.phone("101").caller_id()
    assert shown is not None and shown.number in (None, "") and shown.absence is not None
