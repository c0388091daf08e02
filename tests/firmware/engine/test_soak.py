"""Every port busy for ten minutes: the media path keeps up and everything is let go after."""

from bench.scenarios import every_port_config, put_every_port_in_a_call
from firmware.simulator import SimulatedAppliance

SOAK_S = 600


def underruns(status):
    return {port["index"]: port["counters"].get("pcm_underruns", 0) for port in status["ports"]}


def test_four_phones_and_two_lines_in_calls_for_ten_minutes_without_underruns():
    with SimulatedAppliance(every_port_config()) as pbx:
        put_every_port_in_a_call(pbx)

        before = pbx.status()
        assert [p["state"] for p in before["ports"]] == ["talking"] * 6
        assert before["calls"] == 3
        pbx.run_for(SOAK_S)
        after = pbx.status()
        assert [p["state"] for p in after["ports"]] == ["talking"] * 6
        assert underruns(after) == underruns(before)
        assert after["pcm"]["underruns"] == before["pcm"]["underruns"]
        assert pbx.phone("102").level_at(700, 1.0) > -20
        assert pbx.line(0).level_at(1100, 1.0) > -20
        assert pbx.phone("104").level_at(1500, 1.0) > -20

        for extension in ("101", "103", "104"):
            pbx.phone(extension).on_hook()
        pbx.run_for(2)
        pbx.phone("102").on_hook()
        pbx.run_for(3)
        idle = pbx.status()
        assert [p["state"] for p in idle["ports"]] == ["idle"] * 6
        assert idle["calls"] == 0
        assert idle["bridges"] == 0
        history = pbx.history()
    assert len(history) == 3
    assert all(call["talk_s"] >= SOAK_S for call in history)
