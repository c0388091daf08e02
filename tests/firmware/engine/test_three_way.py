"""Three-way conference: flash, call a third phone, flash again and all three talk."""

from __future__ import annotations

import pytest

from tests.firmware.engine.fxs_helpers import (
    SETTLE_S,
    appliance,
    call,
    consult,
    hang_up_detect_s,
)

TONES_HZ = {"101": 600.0, "102": 1000.0, "103": 1400.0}


def levels_heard(pbx, phones) -> dict[str, dict[str, float]]:
    """Everyone says their own tone at -10 dBm0 at once; what each one hears of each other."""
    for number, phone in phones.items():
        phone.say(TONES_HZ[number], -10)
    pbx.run_for(0.6)
    heard = {
        listener: {speaker: phone.level_at(TONES_HZ[speaker], 0.4) for speaker in phones}
        for listener, phone in phones.items()
    }
    for phone in phones.values():
        phone.say(None)
    pbx.run_for(0.1)
    return heard


def three_way_call(pbx):
    """101 talks to 102, flashes, calls 103 who answers, and flashes again: all three talk."""
    a, b = call(pbx, "101", "102")
    c = pbx.phone("103")
    consult(pbx, a, "103")
    c.off_hook()
    pbx.run_for(SETTLE_S)
    a.flash()
    pbx.run_for(SETTLE_S)
    return a, b, c


def test_second_flash_joins_all_three_and_everyone_hears_everyone():
    with appliance("US") as pbx:
        a, b, c = three_way_call(pbx)
        heard = levels_heard(pbx, {"101": a, "102": b, "103": c})
        for listener, levels in heard.items():
            for speaker, level in levels.items():
                if speaker == listener:  # only G.711 products of the other two
                    assert level < -40, f"{listener} hears itself"
                else:
                    assert level == pytest.approx(-10, abs=1), f"{listener} hears {speaker}"


def test_the_other_two_keep_talking_when_the_host_hangs_up():
    with appliance("US") as pbx:
        a, b, c = three_way_call(pbx)
        a.on_hook()
        pbx.run_for(hang_up_detect_s("US") + 0.3)
        heard = levels_heard(pbx, {"102": b, "103": c})
        assert heard["102"]["103"] == pytest.approx(-10, abs=1)
        assert heard["103"]["102"] == pytest.approx(-10, abs=1)
        b.on_hook()
        pbx.run_for(hang_up_detect_s("US") + 2.2)
        assert c.hears(2).tone == "busy"
        c.on_hook()
        pbx.run_for(0.5)
        rows = pbx.history()
    first = next(row for row in rows if row["to_number"] == "102")
    conference = next(row for row in rows if row["to_number"] == "103")
    assert first["end_reason"] == "joined_conference"
    roles = {leg["party"]: leg["role"] for leg in conference["legs"]}
    assert roles == {"101": "caller", "103": "callee", "102": "conference"}


def test_a_party_leaving_the_conference_leaves_the_other_two_connected():
    with appliance("US") as pbx:
        a, b, c = three_way_call(pbx)
        c.on_hook()
        pbx.run_for(hang_up_detect_s("US") + 0.3)
        heard = levels_heard(pbx, {"101": a, "102": b})
        assert heard["101"]["102"] == pytest.approx(-10, abs=1)
        assert heard["102"]["101"] == pytest.approx(-10, abs=1)
