"""The personal-managers template on the simulated hat: a caller who last talked with 103
is put through to 103 without dialling; when 103 does not answer, the call comes back
through `failed` to the secretaries."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from typing import Any

import pytest

from tests.firmware.engine.fxs_helpers import hears_from
from tests.firmware.engine.test_inbound import run_until
from tests.firmware.engine.test_routed_inbound import (
    WEDNESDAY_MORNING,
    appliance_at,
    routed_config,
    steps,
)
from tests.firmware.routing.test_personal_manager import CrmServer


def test_a_caller_reaches_the_manager_they_last_talked_to_and_else_the_secretaries():
    with appliance_at(WEDNESDAY_MORNING, routed_config("personal_managers")) as pbx:
        manager = pbx.phone("103")
        line = pbx.line(0)
        # First call: the caller dials 103 in the menu and talks to them.
        line.ring("5550100")
        run_until(pbx, line.is_seized, 12)
        pbx.run_for(1.5)
        line.press("103")
        run_until(pbx, manager.is_ringing, 15)
        manager.off_hook()
        pbx.run_for(0.5)
        assert hears_from(pbx, manager, line, 1000) == pytest.approx(-10, abs=1.5)
        manager.on_hook()
        run_until(pbx, lambda: not line.is_seized(), 10)
        pbx.run_for(3)
        first_path = steps(pbx)

        # Second call: no key pressed; the history knows the manager.
        line.ring("5550100")
        run_until(pbx, line.is_seized, 12)
        run_until(pbx, manager.is_ringing, 40)
        assert not any(pbx.phone(ext).is_ringing() for ext in ("101", "102", "104"))
        # 103 does not answer: the call comes back to the secretaries.
        run_until(pbx, lambda: pbx.phone("101").is_ringing(), 120)
        assert pbx.phone("102").is_ringing() and not manager.is_ringing()
        secretary = pbx.phone("102")
        secretary.off_hook()
        pbx.run_for(0.5)
        assert hears_from(pbx, line, secretary, 700) == pytest.approx(-10, abs=1.5)
        path = steps(pbx)[len(first_path) :]
    assert ("main", "dialled", "answered") in first_path
    assert ("main", "greeting", "timeout") in path
    assert ("main", "manager", "failed") in path
    assert ("main", "secretaries", "answered") in path
    assert ("main", "dialled", "answered") not in path


def talk_to_103_then_call_again(pbx: Any) -> None:
    """The caller talks to 103 once (dialled in the menu), then calls again pressing nothing."""
    manager, line = pbx.phone("103"), pbx.line(0)
    line.ring("5550100")
    run_until(pbx, line.is_seized, 12)
    pbx.run_for(1.5)
    line.press("103")
    run_until(pbx, manager.is_ringing, 15)
    manager.off_hook()
    pbx.run_for(2)
    manager.on_hook()
    run_until(pbx, lambda: not line.is_seized(), 10)
    pbx.run_for(3)
    line.ring("5550100")
    run_until(pbx, line.is_seized, 12)


def hang_up(pbx: Any) -> None:
    line = pbx.line(0)
    line.hang_up()
    run_until(pbx, lambda: not line.is_seized(), 10)
    pbx.run_for(3)


def manager_step(document: dict[str, Any]) -> dict[str, Any]:
    step: dict[str, Any] = document["routing"]["scenarios"][0]["operations"]["manager"]
    return step


def test_an_excluded_manager_is_never_rung_and_the_secretaries_take_the_call():
    document = routed_config("personal_managers")
    manager_step(document)["exclusions"] = ["103"]
    with appliance_at(WEDNESDAY_MORNING, document) as pbx:
        talk_to_103_then_call_again(pbx)
        run_until(pbx, lambda: pbx.phone("101").is_ringing(), 40)
        assert not pbx.phone("103").is_ringing()
        hang_up(pbx)
        path = steps(pbx)
    assert ("main", "manager", "failed") in path


def with_crm(url: str) -> dict[str, Any]:
    document = routed_config("personal_managers")
    manager_step(document).update(sources=["crm", "history"], crm={"url": url})
    return document


def test_the_crm_is_asked_first_and_its_manager_rings():
    with (
        closing(CrmServer(b'{"extension": "104"}')) as crm,
        appliance_at(WEDNESDAY_MORNING, with_crm(crm.url)) as pbx,
    ):
        talk_to_103_then_call_again(pbx)  # the history would say 103
        run_until(pbx, pbx.phone("104").is_ringing, 40)
        assert not pbx.phone("103").is_ringing()
    assert crm.requests == ["/owner?number=5550100"]


def test_a_garbage_crm_reply_falls_back_to_the_history_within_two_seconds():
    with (
        closing(CrmServer(b"<html>oops</html>")) as crm,
        appliance_at(WEDNESDAY_MORNING, with_crm(crm.url)) as pbx,
    ):
        talk_to_103_then_call_again(pbx)
        run_until(pbx, pbx.phone("103").is_ringing, 40)
        hang_up(pbx)
        with sqlite3.connect(pbx.paths.history_db) as db:
            menu_over = db.execute(
                "SELECT MAX(at) FROM call_steps WHERE operation = 'greeting'"
            ).fetchone()[0]
            manager_rung = db.execute(
                "SELECT MAX(at) FROM ring_attempts WHERE member = '103'"
            ).fetchone()[0]
    assert len(crm.requests) == 1
    print(f"menu over → 103 rung: {manager_rung - menu_over:.2f} s")
    assert 0 <= manager_rung - menu_over <= 2.0
