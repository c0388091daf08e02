"""The high-volume template on the simulated hat in office hours: agents log in with their
feature code, and callers are dealt to the logged-in agents in turn; agents who are not
logged in never ring."""

from __future__ import annotations

import pytest

from firmware.routing import reports
from firmware.simulator import SimulatedAppliance
from tests.firmware.engine.fxs_helpers import hears_from
from tests.firmware.engine.test_inbound import run_until
from tests.firmware.engine.test_routed_inbound import (
    WEDNESDAY_MORNING,
    appliance_at,
    routed_config,
    steps,
)


def log_in(pbx: SimulatedAppliance, extension: str) -> None:
    agent = pbx.phone(extension)
    agent.off_hook()
    pbx.run_for(0.5)
    agent.dial("*55")
    pbx.run_for(5)
    agent.on_hook()
    pbx.run_for(1)


def test_logged_in_agents_take_callers_in_turn_and_logged_out_ones_never_ring():
    with appliance_at(WEDNESDAY_MORNING, routed_config("call_centre")) as pbx:
        log_in(pbx, "101")
        log_in(pbx, "102")
        answered_by = []
        for caller in ("5550100", "5550111"):
            line = pbx.line(0)
            line.ring(caller)
            run_until(pbx, line.is_seized, 12)
            run_until(
                pbx, lambda: pbx.phone("101").is_ringing() or pbx.phone("102").is_ringing(), 40
            )
            assert not pbx.phone("103").is_ringing() and not pbx.phone("104").is_ringing()
            agent = next(pbx.phone(ext) for ext in ("101", "102") if pbx.phone(ext).is_ringing())
            answered_by.append(agent)
            agent.off_hook()
            pbx.run_for(0.5)
            assert hears_from(pbx, agent, line, 1000) == pytest.approx(-10, abs=1.5)
            assert hears_from(pbx, line, agent, 700) == pytest.approx(-10, abs=1.5)
            agent.on_hook()
            pbx.run_for(15)  # past the wrap-up time
        path = steps(pbx)
        rows = pbx.history(limit=20)
    assert answered_by[0] is not answered_by[1]  # in turn: the second caller goes to the other
    assert path.count(("main", "queue", "answered")) == 2
    inbound = [row for row in rows if row["direction"] == "inbound"]
    assert len(inbound) == 2 and all(row["answered_at"] is not None for row in inbound)


def test_an_agent_who_does_not_answer_in_time_is_passed_over_for_the_next():
    document = routed_config("call_centre")
    (agents,) = document["routing"]["call_centres"]
    agents["answer_s"] = 5
    with appliance_at(WEDNESDAY_MORNING, document) as pbx:
        log_in(pbx, "101")
        log_in(pbx, "102")
        line = pbx.line(0)
        line.ring("5550100")
        run_until(pbx, line.is_seized, 12)
        first_rang = run_until(
            pbx, lambda: pbx.phone("101").is_ringing() or pbx.phone("102").is_ringing(), 40
        )
        idle = next(pbx.phone(ext) for ext in ("101", "102") if pbx.phone(ext).is_ringing())
        other = pbx.phone("102" if idle is pbx.phone("101") else "101")
        assert not other.is_ringing()
        other_rang = run_until(pbx, other.is_ringing, 10)
        assert 4 <= other_rang - first_rang <= 7  # the answer time, then the next agent
        assert not idle.is_ringing()
        other.off_hook()
        pbx.run_for(0.5)
        assert hears_from(pbx, other, line, 1000) == pytest.approx(-10, abs=1.5)
        other.on_hook()
        pbx.run_for(2)
        path = steps(pbx)
        idle_extension = "101" if idle is pbx.phone("101") else "102"
        other_extension = "102" if idle_extension == "101" else "101"
        with reports.open_history(pbx.paths.history_db) as connection:
            table = reports.member_report(connection)
    assert ("main", "queue", "answered") in path
    by_member = {row[1]: dict(zip(table.columns, row, strict=True)) for row in table.rows}
    assert (by_member[idle_extension]["passed_over"], by_member[idle_extension]["answered"]) == (
        1,
        0,
    )
    assert (by_member[other_extension]["passed_over"], by_member[other_extension]["answered"]) == (
        0,
        1,
    )
