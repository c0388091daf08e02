"""Do-not-disturb by feature code: callers get busy, the phone stays quiet, the setting sticks."""

from __future__ import annotations

import yaml

from tests.firmware.engine.fxs_helpers import appliance, hang_up_detect_s


def dial_code(pbx, number: str, code: str):
    phone = pbx.phone(number)
    phone.off_hook()
    pbx.run_for(0.5)
    phone.dial(code)
    pbx.run_for(1.0)
    return phone


def confirmed(phone) -> bool:
    """The confirmation tone's three short bursts and then its pause, heard just now."""
    return phone.hears(1.1).tone == "confirmation"


def test_dnd_on_confirms_then_callers_hear_busy_and_the_phone_does_not_ring():
    with appliance("US") as pbx:
        b = dial_code(pbx, "102", "*78")
        assert confirmed(b)
        b.on_hook()
        pbx.run_for(hang_up_detect_s("US") + 0.5)
        a = dial_code(pbx, "101", "102")
        pbx.run_for(2)
        assert a.hears(2).tone == "busy"
        assert not b.virtual.ring_log
        saved = yaml.safe_load((pbx.paths.config_dir / "config.yaml").read_text())
        assert next(e for e in saved["employees"] if e["extension"] == "102")["do_not_disturb"]


def test_a_phone_in_dnd_hears_a_stutter_dial_tone_until_dnd_is_turned_off():
    with appliance("US") as pbx:
        b = dial_code(pbx, "102", "*78")
        b.on_hook()
        pbx.run_for(hang_up_detect_s("US") + 0.5)
        b.off_hook()
        pbx.run_for(1.5)
        assert b.hears(1.4).tone == "special_dial"
        b.dial("*79")
        pbx.run_for(1.0)
        assert confirmed(b)
        b.on_hook()
        pbx.run_for(hang_up_detect_s("US") + 0.5)
        b.off_hook()
        pbx.run_for(1.5)
        assert b.hears(1.4).tone == "dial"
        b.on_hook()
        pbx.run_for(hang_up_detect_s("US") + 0.5)
        dial_code(pbx, "101", "102")
        pbx.run_for(1)
        assert b.virtual.ring_log


def test_dnd_does_not_stop_a_held_call_from_ringing_back():
    with appliance("US") as pbx:
        a = dial_code(pbx, "101", "102")
        b = pbx.phone("102")
        b.off_hook()
        pbx.run_for(0.5)
        b.flash()  # 102 holds 101 and sets DND from the consultation dial tone
        pbx.run_for(0.5)
        b.dial("*78")
        pbx.run_for(1)
        b.on_hook()
        pbx.run_for(hang_up_detect_s("US") + 1)
        assert b.is_ringing() or b.virtual.ring_log
        assert a.hears(1).level_dbm0 > -40  # music on hold
