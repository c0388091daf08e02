"""Glare: the exchange starts ringing a line just as the appliance seizes it to call out.
Going off-hook answers the incoming call, so the caller is put through to the line's
destination and the outgoing call goes out on another line (or gets congestion)."""

from __future__ import annotations

import pytest

from firmware.simulator import SimulatedAppliance
from tests.firmware.engine.fxs_helpers import hang_up_detect_s, hears_from
from tests.firmware.engine.test_inbound import config, run_until
from tests.firmware.engine.test_outbound import NUMBER

CALLER = "5559876"


def seize_as_it_rings(pbx: SimulatedAppliance, extension: str = "101") -> None:
    """`extension` dials 9 and the number, and presses # just as line 1 starts ringing:
    the appliance goes off-hook before the ring has lasted long enough to be told."""
    phone = pbx.phone(extension)
    phone.off_hook()
    pbx.run_for(0.5)
    phone.dial(f"9{NUMBER}")
    pbx.line(0).ring(CALLER)
    phone.dial("#")
    pbx.run_for(0.5)


def test_the_caller_on_a_glared_line_reaches_its_destination_and_the_call_goes_out_elsewhere():
    with SimulatedAppliance(config("US", inbound=["102"])) as pbx:
        seize_as_it_rings(pbx)
        glared = pbx.line(0)
        assert glared.virtual.answered  # the seizure answered the incoming call
        answering = pbx.phone("102")
        run_until(pbx, answering.is_ringing, 2)
        run_until(pbx, lambda: pbx.line(1).digits_received() == NUMBER, 6)
        caller_hears = glared.hears(0.5)
        answering.off_hook()
        pbx.run_for(0.3)
        caller_to_102 = hears_from(pbx, glared, answering, 700)
        answering.on_hook()
        pbx.run_for(hang_up_detect_s("US") + 0.5)
        rows = pbx.history()
    assert glared.digits_received() == ""  # nothing was dialled at the caller
    assert {440.0, 480.0} <= {round(f) for f in caller_hears.frequencies}  # our ringback
    assert caller_to_102 == pytest.approx(-10, abs=1)
    inbound = next(row for row in rows if row["direction"] == "inbound")
    assert (inbound["line_port"], inbound["end_reason"]) == (4, "completed")
    assert inbound["answered_at"] is not None


def test_glare_with_no_other_line_gives_the_dialling_phone_congestion():
    document = config("RU", inbound=["102"])
    document["hat"]["ports"][5]["outbound"] = False
    with SimulatedAppliance(document) as pbx:
        seize_as_it_rings(pbx)
        pbx.run_for(2)
        dialling = pbx.phone("101").hears(2)
        assert pbx.phone("102").is_ringing() or pbx.phone("102").virtual.ring_log
        assert pbx.line(1).digits_received() == pbx.line(0).digits_received() == ""
    assert dialling.tone == "congestion"
