"""A call-centre call: an outside call on each FXO port into the rig's call centre rings
all its members together; one answers, the other stops ringing, and the caller and the
member hear each other at the level they speak."""

from __future__ import annotations

from typing import Any

import pytest

from hil_tests.cases.conftest import FXO, Measured, port_of
from hil_tests.cases.helpers import TEST_LEVEL_DBM0, extension_of, heard_dbm0
from hil_tests.rig import Rig, RigTimeout
from hil_tests.rig.sim import CALL_CENTRE_CALLERS, CALL_CENTRE_MEMBERS

CALLER_NUMBER = CALL_CENTRE_CALLERS + "214"  # the acceptance setup routes these to the centre


@pytest.mark.parametrize("index", FXO)
def test_call_centre_call(rig: Rig, index: int, limits: dict[str, Any], measured: Measured) -> None:
    spec = limits["call_centre"]
    port = f"fxo{index}"
    line = port_of(rig, "fxo", index)
    members = {position: port_of(rig, "fxs", position) for position in CALL_CENTRE_MEMBERS}
    began = rig.unit.clock_s()
    line.ring(CALLER_NUMBER, standard=limits["caller_id"]["standards"][0])
    for position, member in members.items():
        try:
            member.wait_ringing(timeout_s=spec["members_ring_s"][1] + 5)
        except RigTimeout:
            line.disconnect()
            pytest.fail(
                f"{port} → call centre: member fxs{position} ({extension_of(position)}) "
                "did not ring"
            )
    measured(
        "every member ringing after the call came in",
        rig.unit.clock_s() - began,
        spec["members_ring_s"],
        "s",
        port,
    )
    *others, (answering, answerer) = members.items()
    answerer.off_hook()
    try:
        line.wait_seized(timeout_s=3)
    except RigTimeout as error:
        line.disconnect()
        pytest.fail(f"{port} → call centre: fxs{answering} answered but {error}")
    for position, member in others:
        try:
            member.wait_ring_stops(timeout_s=3)
        except RigTimeout:
            line.disconnect()
            pytest.fail(
                f"{port} → call centre: fxs{position} rings on after fxs{answering} answered"
            )
    rig.idle(0.3)
    measured(
        f"level fxs{answering} hears of a {TEST_LEVEL_DBM0} dBm0 tone from the caller",
        heard_dbm0(answerer, line),
        spec["level_dbm0"],
        "dBm0",
        port,
    )
    measured(
        f"level the caller hears of a {TEST_LEVEL_DBM0} dBm0 tone from fxs{answering}",
        heard_dbm0(line, answerer),
        spec["level_dbm0"],
        "dBm0",
        port,
    )
    line.disconnect()
