"""A port whose chip fails in the middle of a call ends that call; the rest carries on."""

from firmware.simulator import SimulatedAppliance


def talking(pbx, a, b):
    pbx.phone(a).off_hook()
    pbx.run_for(0.5)
    pbx.phone(a).dial(b)
    pbx.run_for(1)
    pbx.phone(b).off_hook()
    pbx.run_for(1)


def states(pbx):
    return {port["index"]: (port["state"], port["health"]) for port in pbx.status()["ports"]}


def test_a_phone_port_that_keeps_losing_power_fails_and_its_caller_hears_busy():
    with SimulatedAppliance() as pbx:
        talking(pbx, "101", "102")
        talking(pbx, "103", "104")
        for _ in range(15):
            pbx.act(lambda: pbx.rig.hat.power_alarm_now(0))
            pbx.run_for(0.3)
        pbx.run_for(2)
        now = states(pbx)
        assert now[0] == ("failed", "failed")
        assert now[1][0] == "dialling"  # 102 is left off-hook, hearing busy
        assert pbx.phone("102").hears(2).tone == "busy"
        assert now[2] == ("talking", "ok") and now[3] == ("talking", "ok")
        assert pbx.status()["ports"][0]["reason"]
        history = pbx.history()
    assert history[0]["from_number"] == "101"
    assert history[0]["talk_s"] > 0


def test_an_exchange_line_that_loses_its_line_side_ends_the_call_and_the_phone_hears_busy():
    with SimulatedAppliance() as pbx:
        phone = pbx.phone("101")
        phone.off_hook()
        pbx.run_for(0.5)
        phone.dial("95551234")
        pbx.run_for(8)
        assert states(pbx)[4] == ("talking", "ok")
        pbx.act(pbx.rig.hat.emulators[4].break_isolation_link)
        pbx.run_for(3)
        now = states(pbx)
        assert now[4][1] == "failed"
        assert phone.hears(2).tone in ("busy", "congestion")
        assert now[5] == ("idle", "ok")
        # The other line still takes calls out.
        phone.on_hook()
        pbx.run_for(1)
        phone.off_hook()
        pbx.run_for(0.5)
        phone.dial("95550000")
        pbx.run_for(8)
        assert pbx.line(1).digits_received() == "5550000"
