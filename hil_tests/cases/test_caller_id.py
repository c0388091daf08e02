"""Caller ID: captured from the exchange on each FXO port in each standard, shown on the
phone the line rings."""

from __future__ import annotations

from typing import Any

import pytest

from hil_tests.cases.conftest import FXO, Measured, port_of
from hil_tests.cases.helpers import port_row
from hil_tests.rig import Rig, RigTimeout

STANDARDS = ["bell202", "etsi_fsk", "dtmf"]


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


NAMED_STANDARDS = ("bell202", "etsi_fsk")  # DTMF caller ID carries the number only
HISTORY_WAIT_S = 15.0  # the unit takes a caller who gave up for gone after a ring pause or two
HISTORY_POLL_S = 0.5


def _newest_call(rig: Rig, line_port: int) -> dict[str, Any] | None:
    rows = [row for row in rig.unit.history(limit=5) if row.get("line_port") == line_port]
    return rows[0] if rows else None


@pytest.mark.parametrize("standard", STANDARDS)
@pytest.mark.parametrize("index", FXO)
def test_caller_id_captured_by_the_unit(
    rig: Rig, index: int, standard: str, limits: dict[str, Any], measured: Measured
) -> None:
    """The exchange sends caller ID before the first ring ends; the unit's status shows the
    number on the ringing line, and its call history keeps the number (and name)."""
    if standard not in limits["caller_id"]["standards"]:
        pytest.skip(f"{standard} caller ID is not used in {limits['country']}")
    port = f"fxo{index}"
    line = port_of(rig, "fxo", index)
    row = port_row(rig, "fxo", index)
    before = _newest_call(rig, row["index"])
    number, name = "5550163", "JONES" if standard in NAMED_STANDARDS else None
    began = rig.unit.clock_s()
    line.ring(number, name, standard=standard)
    try:
        rig.fxs[0].wait_ringing(timeout_s=15)  # the call is routed once caller ID is in
    except RigTimeout as error:
        line.disconnect()
        pytest.fail(f"{port} ({standard}): the call was not put through ({error})")
    measured(
        f"call put through with its {standard} caller ID after the line began ringing",
        rig.unit.clock_s() - began,
        limits["caller_id"]["put_through_s"],
        "s",
        port,
    )
    shown = port_row(rig, "fxo", index)
    line.disconnect()
    assert shown["peer"] == number, (
        f"{port} ({standard}): the unit's status shows {shown['peer']!r} on the line, sent {number}"
    )
    waited = 0.0
    call = _newest_call(rig, row["index"])
    while (call is None or call == before) and waited < HISTORY_WAIT_S:
        rig.idle(HISTORY_POLL_S)
        waited += HISTORY_POLL_S
        call = _newest_call(rig, row["index"])
    if call is None or call == before:
        pytest.fail(f"{port} ({standard}): the call is not in the unit's history")
    kept = (call["from_number"], call["from_name"] or None)
    assert kept == (number, name), f"{port} ({standard}): the history keeps {kept}"
