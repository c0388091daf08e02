"""The unit as a whole: after a power cut it comes back by itself, and how long it takes from
power-on until it puts an outside call through to a phone that answers."""

from __future__ import annotations

from typing import Any

import pytest

from hil_tests.cases.conftest import Measured
from hil_tests.rig import Rig, RigError, RigTimeout

CALLER_NUMBER = "5550177"


def test_power_cut_recovery_and_time_to_the_first_answered_call(
    rig: Rig, limits: dict[str, Any], measured: Measured
) -> None:
    try:
        up_s = rig.unit.power_cycle()
    except RigError as error:
        pytest.skip(str(error))  # a bench without a power relay
    powered_on_at = rig.unit.clock_s() - up_s
    measured(
        "control API answering after a power cut", up_s, limits["unit"]["recovery_s"], "s", "unit"
    )
    line, phone = rig.fxo[0], rig.fxs[0]  # the acceptance setup: line 1 rings the first phone
    line.ring(CALLER_NUMBER, standard="bell202")
    try:
        phone.wait_ringing(timeout_s=30)
        phone.off_hook()
        line.wait_seized(timeout_s=3)
    except RigTimeout as error:
        line.disconnect()
        pytest.fail(f"fxo0 → fxs0: no call put through after the power cut ({error})")
    measured(
        "power-on to the first answered call",
        rig.unit.clock_s() - powered_on_at,
        limits["unit"]["first_answered_call_s"],
        "s",
        "unit",
    )
    line.disconnect()
    phone.on_hook()
