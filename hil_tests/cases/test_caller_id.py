"""Caller ID: captured from the exchange on an FXO port in each standard, shown on the phone."""

from __future__ import annotations

from typing import Any

import pytest

from hil_tests.rig import Rig

STANDARDS = ["bell202", "etsi_fsk", "dtmf"]


@pytest.mark.parametrize("standard", STANDARDS)
def test_caller_id_reaches_the_phone(rig: Rig, standard: str, limits: dict[str, Any]) -> None:
    if standard not in limits["caller_id"]["standards"]:
        pytest.skip(f"{standard} caller ID is not used in {limits['country']}")
    line, phone = rig.fxo[0], rig.fxs[0]  # the default configuration rings 101 for line 1
    line.ring("5550199", "SMITH" if standard != "dtmf" else None, standard=standard)
    phone.wait_ringing(timeout_s=15)
    shown = phone.wait_caller_id(timeout_s=10)
    assert shown.number == "5550199", f"fxo0 → fxs0 ({standard}): the phone shows {shown}"
    phone.off_hook()
    line.wait_seized(timeout_s=3)
    line.disconnect()
