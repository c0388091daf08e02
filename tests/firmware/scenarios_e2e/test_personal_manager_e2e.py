"""The personal-managers template on the simulated hat: a caller who last talked with 103
is put through to 103 without dialling; when 103 does not answer, the call comes back
through `failed` to the secretaries."""

from __future__ import annotations

import pytest

from tests.firmware.engine.fxs_helpers import hears_from
from tests.firmware.engine.test_inbound import run_until
from tests.firmware.engine.test_routed_inbound import (
    WEDNESDAY_MORNING,
    appliance_at,
    routed_config,
    steps,
)


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
