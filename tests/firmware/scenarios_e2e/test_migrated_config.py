"""A configuration written before routing (schema 1: each exchange line lists the extensions
it rings, no routing section) loads on the simulated hat, is migrated, and an outside call
still rings exactly those phones until one answers and the two parties can talk."""

from __future__ import annotations

from typing import Any

import pytest

from firmware.config.document import migrate, validate
from tests.firmware.engine.fxs_helpers import config as fxs_config
from tests.firmware.engine.fxs_helpers import hears_from
from tests.firmware.engine.test_inbound import run_until
from tests.firmware.engine.test_routed_inbound import WEDNESDAY_EVENING, appliance_at, steps


def pre_routing_config() -> dict[str, Any]:
    document = fxs_config("US")
    document["schema_version"] = 1
    document.pop("routing", None)
    for port in document["hat"]["ports"]:
        if port["kind"] == "fxo":
            port["inbound"] = ["101", "102"]
    return document


def test_a_schema_1_line_list_still_rings_its_phones_and_connects_the_one_who_answers():
    # Evening: the old lists knew no office hours, so the migrated scenario must not either.
    with appliance_at(WEDNESDAY_EVENING, pre_routing_config()) as pbx:
        line = pbx.line(0)
        line.ring("5550100", "SMITH")
        first, second = pbx.phone("101"), pbx.phone("102")
        run_until(pbx, lambda: first.is_ringing() and second.is_ringing(), 12)
        assert not pbx.phone("103").is_ringing() and not pbx.phone("104").is_ringing()
        second.off_hook()
        pbx.run_for(0.5)
        assert not first.is_ringing()
        assert line.is_seized()
        assert hears_from(pbx, second, line, 1000) == pytest.approx(-10, abs=1.5)
        assert hears_from(pbx, line, second, 700) == pytest.approx(-10, abs=1.5)
        second.on_hook()
        pbx.run_for(2)
        (row,) = pbx.history()
        path = steps(pbx)
    assert (row["direction"], row["from_number"], row["end_reason"]) == (
        "inbound",
        "5550100",
        "completed",
    )
    assert row["answered_at"] is not None
    # The line's own list still decides (the migrated scenario mirrors it), so no
    # scenario steps are walked for this call.
    assert path == []


def test_migration_turns_each_line_list_into_a_ring_all_scenario_of_the_same_phones():
    migrated = validate(migrate(pre_routing_config()))
    assert migrated.schema_version == 2
    dumped = migrated.model_dump(mode="json")
    centres = {centre["id"]: centre for centre in dumped["routing"]["call_centres"]}
    lines = [port for port in dumped["hat"]["ports"] if port["kind"] == "fxo"]
    assert lines
    for port in lines:
        centre = centres[f"line-{port['port']}"]
        assert centre["strategy"] == "ring_all"
        assert [member["extension"] for member in centre["members"]] == ["101", "102"]
        assert port["inbound"] == ["101", "102"]  # kept: the line still reads it


def test_with_every_listed_phone_busy_a_schema_1_line_stays_unanswered_and_is_logged_busy():
    with appliance_at(WEDNESDAY_EVENING, pre_routing_config()) as pbx:
        pbx.phone("101").off_hook()  # dialling: busy, no call waiting
        pbx.phone("102").off_hook()
        pbx.run_for(0.5)
        line = pbx.line(0)
        line.ring("5550100")
        pbx.run_for(9)
        assert not line.is_seized()  # the caller's exchange keeps ringing, as before
        assert not any(pbx.phone(ext).virtual.ring_log for ext in ("103", "104"))
        rows = pbx.history()
    assert [(row["direction"], row["end_reason"]) for row in rows] == [("inbound", "busy")]
