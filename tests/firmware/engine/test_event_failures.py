"""A failure while handling one event (a hook flash, a key) ends the calls of that port with
a clear reason, is logged with the port and the call id, and the next call works."""

from __future__ import annotations

import logging

from firmware.engine.fxs_line import FxsLine
from tests.firmware.engine.fxs_helpers import appliance
from tests.firmware.engine.test_inbound import run_until


def test_a_failure_handling_a_flash_ends_that_call_and_the_phone_calls_again(monkeypatch, caplog):
    caplog.set_level(logging.INFO)

    def broken_flash(self: FxsLine) -> None:
        raise RuntimeError("injected failure in flash handling")

    with appliance("US") as pbx:
        a, b = pbx.phone("101"), pbx.phone("102")
        a.off_hook()
        pbx.run_for(0.5)
        a.dial("102")
        run_until(pbx, b.is_ringing, 5)
        b.off_hook()
        pbx.run_for(1)
        monkeypatch.setattr(FxsLine, "flash", broken_flash)
        a.flash()
        pbx.run_for(2)
        assert b.hears(1.0).tone == "busy"  # the other side was let go
        monkeypatch.undo()
        a.on_hook()
        b.on_hook()
        pbx.run_for(1.5)
        a.off_hook()
        pbx.run_for(0.5)
        a.dial("102")
        run_until(pbx, b.is_ringing, 5)
        (failed,) = [row for row in pbx.history() if row["end_reason"] == "internal_error"]
    logged = [r.getMessage() for r in caplog.records if "handling flash failed" in r.getMessage()]
    assert logged and failed["call_id"] in logged[0] and "port 0" in logged[0]
