"""Caller ID: captured from the exchange on each FXO port in each standard, shown on the
phone the line rings."""

from __future__ import annotations

from typing import Any

import pytest

from hil_tests.cases.conftest import FXO_PORTS, port_of
from hil_tests.rig import Rig, RigTimeout

STANDARDS = ["bell202", "etsi_fsk", "dtmf"]
FXO = [pytest.param(i, id=f"fxo{i}") for i in range(FXO_PORTS)]


@pytest.mark.parametrize("standard", STANDARDS)
@pytest.mark.parametrize("index", FXO)
def test_caller_id_reaches_the_phone(
    rig: Rig, index: int, standard: str, limits: dict[str, Any]
) -> None:
    if standard not in limits["caller_id"]["standards"]:
        pytest.skip(f"{standard} caller ID is not used in {limits['country']}")
    line, phone = port_of(rig, "fxo", index), rig.fxs[0]  # every line rings 101 (fxs0)
    line.ring("5550199", "SMITH" if standard != "dtmf" else None, standard=standard)
    try:
        phone.wait_ringing(timeout_s=15)
        shown = phone.wait_caller_id(timeout_s=10)
    except RigTimeout as error:
        line.disconnect()  # the exchange gives up, so the next case finds the line free
        pytest.fail(f"fxo{index} → fxs0 ({standard}): {error}")
    assert shown.number == "5550199", f"fxo{index} → fxs0 ({standard}): the phone shows {shown}"
    phone.off_hook()
    line.wait_seized(timeout_s=3)
    line.disconnect()
