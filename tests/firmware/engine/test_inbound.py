"""Calls coming in on an exchange line: ring, caller ID, the phones that ring, answering,
and what history keeps of them. Shared steps for the other FXO tests live here too."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from firmware.countries import load_country
from firmware.simulator import Line, Phone, SimulatedAppliance
from tests.firmware.engine.fxs_helpers import config as fxs_config
from tests.firmware.engine.fxs_helpers import hang_up_detect_s, hears_from, wall

LINE_PORTS = (4, 5)  # the reference hat's FXO ports: pbx.line(0), pbx.line(1)
STEP_S = 0.02


def config(country: str = "US", **line_settings: Any) -> dict[str, Any]:
    """The default configuration in `country`, with `line_settings` on both lines."""
    document = fxs_config(country)
    for port in document["hat"]["ports"]:
        if port["kind"] == "fxo":
            port.update(line_settings)
    return document


def hook_changes(pbx: SimulatedAppliance, line_index: int) -> list[tuple[float, bool]]:
    """(virtual time, off-hook) of every hook change the exchange line sees from now on."""
    changes: list[tuple[float, bool]] = []
    wire = pbx.rig.hat.lines[LINE_PORTS[line_index]]
    state = [wire.off_hook]

    def changed(line: Any, now: float) -> None:
        if line.off_hook != state[0]:
            state[0] = line.off_hook
            changes.append((now, line.off_hook))

    wire.on_change(changed)
    return changes


def run_until(pbx: SimulatedAppliance, condition: Callable[[], bool], limit_s: float) -> float:
    """Run until `condition` holds; returns the virtual time it first did (fails past limit)."""
    deadline = pbx.loop.time() + limit_s
    while not condition():
        assert pbx.loop.time() < deadline, "waited too long"
        pbx.run_for(STEP_S)
    return pbx.loop.time()


def ring_in(
    pbx: SimulatedAppliance, line: Line, phone: Phone, number: str | None, name: str | None = None
) -> float:
    """The exchange rings `line` with caller ID; returns when `phone` starts ringing."""
    line.ring(number, name)
    return run_until(pbx, phone.is_ringing, 12)


# Tests.


@pytest.mark.parametrize("country", ["RU", "US", "GB", "UA"])
def test_caller_id_shows_on_the_phone_the_line_rings(country):
    """RU: ETSI FSK after the first ring; US: Bell 202 after it; GB: ETSI FSK before the
    first ring after a polarity reversal; UA: DTMF before the first ring."""
    profile = load_country(country)
    with SimulatedAppliance(config(country)) as pbx:
        phone = pbx.phone("101")
        rang_at = pbx.loop.time()
        ring_in(pbx, pbx.line(0), phone, "4951234567", "IVANOV")
        run_until(pbx, lambda: phone.caller_id() is not None, 10)
        shown = phone.caller_id()
        cadence = list(profile.ringing.cadences_ms.external)
        pbx.run_for(sum(cadence) / 1000 + 1)
        assert phone.virtual.ring_cadence_ms()[: len(cadence)] == pytest.approx(cadence, abs=40)
        assert not pbx.phone("102").virtual.ring_log  # only the line's destination rings
        phone.off_hook()
        pbx.run_for(0.3)
        assert hears_from(pbx, phone, pbx.line(0), 1000) == pytest.approx(-10, abs=1)
        assert hears_from(pbx, pbx.line(0), phone, 700) == pytest.approx(-10, abs=1)
        phone.on_hook()
        pbx.run_for(hang_up_detect_s(country) + 0.5)
        (row,) = pbx.history()
    assert shown.number == "4951234567"
    assert shown.standard == profile.caller_id.standard
    if profile.caller_id.standard != "dtmf":
        assert shown.name == "IVANOV"
    assert (row["direction"], row["from_number"], row["line_port"]) == ("inbound", "4951234567", 4)
    # From the first ring, or from caller ID where it comes first.
    assert 0 < row["started_at"] - pbx.loop.wall_epoch - rang_at < 2.5
    assert (row["end_reason"], row["hung_up_by"]) == ("completed", "callee")


def test_a_caller_without_caller_id_rings_the_phone_with_an_unavailable_display():
    with SimulatedAppliance(config("RU")) as pbx:
        phone = pbx.phone("101")
        started = pbx.loop.time()
        rings_at = ring_in(pbx, pbx.line(0), phone, None)
        run_until(pbx, lambda: phone.caller_id() is not None, 8)
        shown = phone.caller_id()
        phone.off_hook()
        pbx.run_for(0.5)
        phone.on_hook()
        pbx.run_for(hang_up_detect_s("RU") + 0.5)
        (row,) = pbx.history()
    assert rings_at - started < 5.5  # no caller ID is waited for until the second ring at most
    assert shown.number is None and shown.absence == "unavailable"
    assert row["from_number"] == "" and row["answered_at"] is not None


def test_a_caller_who_gives_up_before_answer_is_a_missed_call():
    with SimulatedAppliance(config("US")) as pbx:
        phone = pbx.phone("101")
        pbx.line(0).ring("5550100", "SMITH", max_rings=2)
        run_until(pbx, phone.is_ringing, 8)
        gave_up = run_until(pbx, lambda: not pbx.line(0).virtual.ringing, 14)
        ended = run_until(pbx, lambda: pbx.status()["calls"] == 0, 10)
        pbx.run_for(6)
        (row,) = pbx.history()
    assert ended - gave_up < 7.5  # a ring pause and a half: the caller is not coming back
    assert phone.virtual.ring_log[-1].end_s <= ended and not phone.is_ringing()
    assert (row["direction"], row["from_number"], row["line_port"]) == ("inbound", "5550100", 4)
    assert row["answered_at"] is None and row["talk_s"] == 0
    assert (row["end_reason"], row["hung_up_by"]) == ("caller_gave_up", "caller")


def test_a_line_can_ring_several_extensions_and_the_first_to_answer_takes_the_call():
    with SimulatedAppliance(config("US", inbound=["101", "102"])) as pbx:
        first, second = pbx.phone("101"), pbx.phone("102")
        ring_in(pbx, pbx.line(0), first, "5550101")
        run_until(pbx, second.is_ringing, 2)
        second.off_hook()
        pbx.run_for(0.3)
        assert not first.is_ringing()
        assert pbx.line(0).is_seized()
        assert hears_from(pbx, pbx.line(0), second, 700) == pytest.approx(-10, abs=1)
        second.on_hook()
        pbx.run_for(hang_up_detect_s("US") + 0.5)
        (row,) = pbx.history()
    legs = {leg["party"]: leg for leg in row["legs"]}
    assert legs["102"]["answered_at"] is not None and legs["101"]["answered_at"] is None
    assert legs["101"]["end_reason"] == "answered_elsewhere"


def test_answer_after_rings_takes_the_line_and_gives_the_caller_ringback_until_someone_answers():
    profile = load_country("US")
    with SimulatedAppliance(config("US", answer_after_rings=2)) as pbx:
        phone, line = pbx.phone("101"), pbx.line(0)
        changes = hook_changes(pbx, 0)
        rang_at = pbx.loop.time()
        line.ring("5550102")
        run_until(pbx, lambda: bool(changes), 14)
        seized_at = changes[0][0] - rang_at
        pbx.run_for(3)
        caller_hears = line.hears(2)
        assert phone.is_ringing() or phone.virtual.ring_log
        phone.off_hook()
        answered = wall(pbx)
        pbx.run_for(0.3)
        assert hears_from(pbx, line, phone, 700) == pytest.approx(-10, abs=1)
        phone.on_hook()
        pbx.run_for(hang_up_detect_s("US") + 0.5)
        (row,) = pbx.history()
    cycle_s = sum(profile.ringing.cadences_ms.external) / 1000
    assert cycle_s < seized_at < cycle_s + 0.5  # as the second ring is validated
    ringback = load_country("US").tones["ringback"]
    assert sorted(caller_hears.frequencies) == pytest.approx(ringback.frequencies, abs=2)
    assert caller_hears.on_level_dbm0 == pytest.approx(ringback.level_dbm0 + 3, abs=1.5)
    assert row["answered_at"] == pytest.approx(answered, abs=0.1)  # when a person answered


def test_the_line_is_released_when_the_extension_hangs_up():
    with SimulatedAppliance(config("RU")) as pbx:
        phone = pbx.phone("101")
        changes = hook_changes(pbx, 0)
        ring_in(pbx, pbx.line(0), phone, "4950000")
        phone.off_hook()
        pbx.run_for(1)
        phone.on_hook()
        hung_up = pbx.loop.time()
        pbx.run_for(hang_up_detect_s("RU") + 0.5)
        (row,) = pbx.history()
    assert [off_hook for _, off_hook in changes] == [True, False]
    assert changes[1][0] - hung_up <= hang_up_detect_s("RU") + 0.1
    assert (row["end_reason"], row["hung_up_by"]) == ("completed", "callee")


def test_a_call_to_busy_extensions_is_recorded_busy_and_the_line_is_not_answered():
    with SimulatedAppliance(config("US")) as pbx:
        busy = pbx.phone("101")
        busy.off_hook()  # 101 is dialling: no call waiting for it
        pbx.run_for(0.5)
        pbx.line(0).ring("5550103")
        pbx.run_for(9)
        assert not pbx.line(0).is_seized()
        rows = pbx.history()
    assert [(row["direction"], row["end_reason"]) for row in rows] == [("inbound", "busy")]


def test_a_line_that_cannot_be_seized_ends_the_answered_call_with_a_reason():
    with SimulatedAppliance(config("US")) as pbx:
        phone = pbx.phone("101")
        ring_in(pbx, pbx.line(0), phone, "5550104")
        pbx.rig.hat.lines[4].feed_resistance_ohms = 1e6  # the exchange stops feeding the loop
        phone.off_hook()
        pbx.run_for(3)
        hears = phone.hears(2)
        phone.on_hook()
        pbx.run_for(hang_up_detect_s("US") + 0.5)
        (row,) = pbx.history()
    assert hears.tone == "busy"
    assert (row["end_reason"], row["hung_up_by"]) == ("seize_failed", "system")


def test_answering_just_after_the_caller_gave_up_gets_dial_tone_and_lets_the_line_go():
    with SimulatedAppliance(config("US")) as pbx:
        phone, line = pbx.phone("101"), pbx.line(0)
        ring_in(pbx, line, phone, "5550105")
        line.hang_up()  # the caller gives up between two rings
        pbx.run_for(1)
        changes = hook_changes(pbx, 0)
        phone.off_hook()  # 101 answers before the appliance knows the caller has gone
        run_until(pbx, lambda: len(changes) == 2, 3)
        pbx.run_for(2.5)
        hears = phone.hears(2)
    assert changes[1][0] - changes[0][0] < 1.6  # the exchange's dial tone, recognised
    assert hears.tone == "busy"
