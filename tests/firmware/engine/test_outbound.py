"""Calls going out on an exchange line: the prefix, a free line, the exchange's dial tone,
the digits the exchange receives, what the caller hears, and what history keeps."""

from __future__ import annotations

import pytest

from firmware.countries import load_country
from firmware.simulator import Phone, SimulatedAppliance
from tests.firmware.engine.fxs_helpers import (
    announcement,
    hang_up_detect_s,
    hears_from,
    similarity,
    wall,
)
from tests.firmware.engine.test_inbound import config, hook_changes, run_until
from voice.tones import ToneSpec

NUMBER = "5551234"
SILENT_DIAL_TONE = ToneSpec((425.0,), -90.0)  # an exchange that gives no dial tone


def dial_out(pbx: SimulatedAppliance, extension: str = "101", number: str = NUMBER) -> Phone:
    """`extension` lifts the handset and dials the outbound prefix, `number` and #."""
    phone = pbx.phone(extension)
    phone.off_hook()
    pbx.run_for(0.5)
    phone.dial(f"9{number}#")
    return phone


def exchange_events(pbx: SimulatedAppliance, line: int) -> list[tuple[float, str]]:
    return list(pbx.line(line).virtual.events)


@pytest.mark.parametrize("country", ["RU", "US"])
def test_dialling_9_and_a_number_reaches_the_far_end_with_exactly_those_digits(country):
    with SimulatedAppliance(config(country)) as pbx:
        pbx.line(0).virtual.answer_after_s = 1e9  # the far end answers when the test says
        phone = pbx.phone("101")
        phone.off_hook()
        pbx.run_for(0.5)
        phone.dial(f"9{NUMBER}")  # the number ends when the caller stops dialling
        dialled = wall(pbx)
        run_until(pbx, lambda: pbx.line(0).digits_received() == NUMBER, 10)
        pbx.run_for(2.5)
        caller_hears = phone.hears(2)
        pbx.line(0).answer()
        answered = wall(pbx)
        pbx.run_for(0.3)
        both_ways = (
            hears_from(pbx, phone, pbx.line(0), 1000),
            hears_from(pbx, pbx.line(0), phone, 700),
        )
        phone.on_hook()
        hung_up = pbx.loop.time()
        changes = hook_changes(pbx, 0)
        pbx.run_for(hang_up_detect_s(country) + 0.5)
        events = exchange_events(pbx, 0)
        (row,) = pbx.history()
    seized = next(time for time, what in events if what.startswith("seized"))
    first_digit = next(time for time, what in events if what.startswith("digit"))
    assert 0.9 <= first_digit - seized <= 1.6  # after a second of the exchange's dial tone
    assert pbx.line(1).digits_received() == ""
    assert caller_hears.tone == "ringback" or set(caller_hears.frequencies) >= set(
        load_country(country).tones["ringback"].frequencies
    )  # the exchange's ringback, cut through
    assert both_ways == pytest.approx((-10, -10), abs=1)
    assert changes and not changes[0][1]
    assert changes[0][0] - hung_up <= hang_up_detect_s(country) + 0.1
    assert (row["direction"], row["from_number"], row["to_number"]) == ("outbound", "101", NUMBER)
    assert row["line_port"] == 4
    assert row["started_at"] - dialled == pytest.approx(4, abs=0.3)  # the dialling pause
    assert row["answered_at"] <= answered
    assert (row["end_reason"], row["hung_up_by"]) == ("completed", "caller")


def test_the_far_end_being_busy_releases_the_line_and_the_caller_hears_busy():
    with SimulatedAppliance(config("US")) as pbx:
        pbx.line(0).virtual.answer_after_s = 1e9
        phone = dial_out(pbx)
        run_until(pbx, lambda: pbx.line(0).digits_received() == NUMBER, 6)
        pbx.run_for(2)
        changes = hook_changes(pbx, 0)
        busy_from = pbx.loop.time()
        pbx.line(0).hang_up("busy")
        run_until(pbx, lambda: bool(changes), 3)
        pbx.run_for(2.5)
        hears = phone.hears(2)
        rows = pbx.history()
    assert changes[0][0] - busy_from <= 1.0
    assert hears.tone == "busy"
    assert rows[0]["hung_up_by"] == "callee"


def test_the_exchange_ringback_does_not_end_the_call_before_the_far_end_answers():
    with SimulatedAppliance(config("RU")) as pbx:
        pbx.line(0).virtual.answer_after_s = 1e9
        phone = dial_out(pbx)
        run_until(pbx, lambda: pbx.line(0).digits_received() == NUMBER, 6)
        pbx.run_for(12)  # more than two cycles of 1 s on, 4 s off
        assert pbx.line(0).is_seized()
        pbx.line(0).answer()
        pbx.run_for(0.3)
        assert hears_from(pbx, pbx.line(0), phone, 700) == pytest.approx(-10, abs=1)


def test_answer_by_polarity_reversal_starts_the_talk_and_the_reversal_back_ends_it():
    with SimulatedAppliance(config("RU")) as pbx:
        line = pbx.line(0)
        line.virtual.answer_after_s = 1e9
        line.virtual.answer_polarity_reversal = True
        phone = dial_out(pbx)
        run_until(pbx, lambda: line.digits_received() == NUMBER, 6)
        pbx.run_for(3)
        line.answer()
        answered = wall(pbx)
        pbx.run_for(3)
        changes = hook_changes(pbx, 0)
        cleared = pbx.loop.time()
        line.hang_up("polarity")
        run_until(pbx, lambda: bool(changes), 2)
        phone.on_hook()
        pbx.run_for(1.5)
        (row,) = pbx.history()
    assert row["answered_at"] == pytest.approx(answered, abs=0.3)
    assert changes[0][0] - cleared <= 1.0
    assert row["talk_s"] == pytest.approx(3, abs=0.5)


def test_a_line_in_use_is_skipped_for_the_next_free_one():
    with SimulatedAppliance(config("US")) as pbx:
        pbx.line(0).ring("5550000")  # an incoming call holds line 1
        pbx.run_for(1)
        dial_out(pbx, "102")
        run_until(pbx, lambda: pbx.line(1).digits_received() == NUMBER, 6)
        assert pbx.line(0).digits_received() == ""


def test_a_line_not_for_outgoing_calls_is_never_used():
    document = config("US")
    document["hat"]["ports"][4]["outbound"] = False
    with SimulatedAppliance(document) as pbx:
        dial_out(pbx)
        run_until(pbx, lambda: pbx.line(1).digits_received() == NUMBER, 6)
        assert not exchange_events(pbx, 0)


def test_all_lines_busy_is_announced():
    with SimulatedAppliance(config("US")) as pbx:
        pbx.line(0).ring("5550000")
        pbx.line(1).ring("5550001")
        pbx.run_for(1)
        phone = dial_out(pbx, "102")
        pbx.run_for(2.5)
        heard = phone.virtual.earpiece(2.0)
        phone.on_hook()
        pbx.run_for(1.5)
        rows = pbx.history()
    assert similarity(heard, announcement("all_lines_busy")) > 0.9
    refused = next(row for row in rows if row["from_number"] == "102")
    assert (refused["direction"], refused["to_number"]) == ("outbound", NUMBER)
    assert (refused["end_reason"], refused["line_port"]) == ("all_lines_busy", None)


def test_a_line_without_dial_tone_is_given_up_for_the_next_one():
    with SimulatedAppliance(config("US")) as pbx:
        pbx.line(0).virtual.tones["dial"] = SILENT_DIAL_TONE
        dial_out(pbx)
        run_until(pbx, lambda: pbx.line(1).digits_received() == NUMBER, 8)
        pbx.run_for(1.5)
        assert pbx.line(0).digits_received() == ""  # nothing is dialled into silence
        assert not pbx.line(0).is_seized()
        assert pbx.line(1).is_seized()
        (status,) = [row for row in pbx.status()["ports"] if row["index"] == 5]
        assert status["state"] == "talking"


def test_no_dial_tone_on_any_line_gives_congestion():
    with SimulatedAppliance(config("RU")) as pbx:
        for index in (0, 1):
            pbx.line(index).virtual.tones["dial"] = SILENT_DIAL_TONE
        phone = dial_out(pbx)
        pbx.run_for(9.5)
        hears = phone.hears(2)
        phone.on_hook()
        pbx.run_for(1.5)
        (row,) = pbx.history()
    assert hears.tone == "congestion"
    assert pbx.line(0).digits_received() == pbx.line(1).digits_received() == ""
    assert (row["direction"], row["end_reason"], row["hung_up_by"]) == (
        "outbound",
        "no_dial_tone",
        "system",
    )


def test_a_line_that_cannot_be_seized_is_given_up_for_the_next_one():
    with SimulatedAppliance(config("US")) as pbx:
        pbx.rig.hat.lines[4].feed_resistance_ohms = 1e6  # no loop current when seized
        dial_out(pbx)
        run_until(pbx, lambda: pbx.line(1).digits_received() == NUMBER, 6)


def test_when_no_line_can_be_seized_the_caller_hears_congestion():
    with SimulatedAppliance(config("US")) as pbx:
        for port in (4, 5):
            pbx.rig.hat.lines[port].feed_resistance_ohms = 1e6
        phone = dial_out(pbx)
        pbx.run_for(4)
        hears = phone.hears(2)
        phone.on_hook()
        pbx.run_for(1.5)
        (row,) = pbx.history()
    assert hears.tone == "congestion"
    assert (row["end_reason"], row["hung_up_by"]) == ("seize_failed", "system")
