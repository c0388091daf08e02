"""A call-centre queue on the simulated hat: with every member in a call the caller holds
with music and is put through to the first member who hangs up; after a queue call that
member first rests for the wrap-up time."""

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

WRAP_UP_S = 5.0


def test_with_all_members_in_calls_the_caller_hears_music_and_gets_the_first_one_free():
    document = routed_config("orders_and_support")
    (sales,) = [c for c in document["routing"]["call_centres"] if c["id"] == "sales"]
    sales["members"] = [{"extension": "101"}, {"extension": "102"}, {"extension": "103"}]
    sales["wrap_up_s"] = WRAP_UP_S
    with appliance_at(WEDNESDAY_MORNING, document) as pbx:
        a, b, c, d = (pbx.phone(ext) for ext in ("101", "102", "103", "104"))
        for caller, callee, number in ((a, b, "102"), (c, d, "104")):
            caller.off_hook()
            pbx.run_for(0.5)
            caller.dial(number)
            run_until(pbx, callee.is_ringing, 10)
            callee.off_hook()
            pbx.run_for(1)
        line = pbx.line(0)
        line.ring("5550100")
        run_until(pbx, line.is_seized, 12)
        pbx.run_for(1.5)
        line.press("1")
        pbx.run_for(3)
        music = line.hears(1.0)
        assert music.level_dbm0 > -40 and music.tone is None  # music, not ringback or busy
        assert not any(phone.is_ringing() for phone in (a, b, c, d))
        pbx.run_for(10)
        c.on_hook()  # 103 frees up first; 104 stays off hook
        freed_at = pbx.loop.time()
        # Wrap-up follows the queue's own calls; a private call frees the member at once.
        rang_at = run_until(pbx, c.is_ringing, 5)
        assert rang_at - freed_at < 3
        assert not a.is_ringing() and not b.is_ringing()
        c.off_hook()
        pbx.run_for(0.5)
        assert hears_from(pbx, c, line, 1000) == pytest.approx(-10, abs=1.5)
        assert hears_from(pbx, line, c, 700) == pytest.approx(-10, abs=1.5)

        # A second caller holds with music while 103 talks to the first; when 103 hangs up
        # it rests for its wrap-up time before the second caller is put through.
        second = pbx.line(1)
        second.ring("5550111")
        run_until(pbx, second.is_seized, 12)
        pbx.run_for(1.5)
        second.press("1")
        pbx.run_for(3)
        assert second.hears(1.0).tone is None and second.hears(1.0).level_dbm0 > -40
        c.on_hook()
        freed_at = pbx.loop.time()
        rang_at = run_until(pbx, c.is_ringing, WRAP_UP_S + 10)
        assert rang_at - freed_at >= WRAP_UP_S - 0.5
        c.off_hook()
        pbx.run_for(0.5)
        assert hears_from(pbx, second, c, 700) == pytest.approx(-10, abs=1.5)
        path = steps(pbx)
    assert path.count(("main", "sales", "answered")) == 2


def test_in_turn_spreads_thirty_calls_evenly_over_the_members():
    """Thirty outside calls to an "in turn" call centre of three: each member takes ten,
    give or take one, whoever answers."""
    document = routed_config("orders_and_support")
    (sales,) = [c for c in document["routing"]["call_centres"] if c["id"] == "sales"]
    sales["strategy"] = "in_turn"
    sales["members"] = [{"extension": "101"}, {"extension": "102"}, {"extension": "103"}]
    scenario = document["routing"]["scenarios"][0]
    scenario["start"] = next(
        name for name, step in scenario["operations"].items() if step.get("call_centre") == "sales"
    )
    answered: dict[str, int] = {"101": 0, "102": 0, "103": 0}
    with appliance_at(WEDNESDAY_MORNING, document) as pbx:
        phones = {ext: pbx.phone(ext) for ext in answered}
        line = pbx.line(0)
        for call in range(30):
            line.ring(f"55501{call:02d}")
            run_until(pbx, lambda: any(p.is_ringing() for p in phones.values()), 20)
            (ringing,) = [ext for ext, p in phones.items() if p.is_ringing()]
            phones[ringing].off_hook()
            run_until(pbx, line.is_seized, 3)
            pbx.run_for(1)
            line.hang_up()
            run_until(pbx, lambda: not line.is_seized(), 10)
            phones[ringing].on_hook()
            answered[ringing] += 1
            pbx.run_for(2)
    print(f"\nanswered per member: {answered}")
    assert sum(answered.values()) == 30
    assert max(answered.values()) - min(answered.values()) <= 2, answered  # 10 ± 1 each
