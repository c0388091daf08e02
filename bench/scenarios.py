"""Call scenarios shared by benchmarks and tests of the whole appliance."""

from __future__ import annotations

from typing import Any

from firmware.config.defaults import default_config
from firmware.simulator import SimulatedAppliance

# What each party keeps saying, so every direction of every call carries audio.
PHONE_TONES_HZ = {"101": 700, "102": 900, "103": 1100, "104": 1300}
LINE_TONES_HZ = {0: 500, 1: 1500}
TALK_LEVEL_DBM0 = -15


def every_port_config() -> dict[str, Any]:
    """The default config with line 1 ringing 101 and line 2 ringing 104 straight away, so
    each port gets a call."""
    document = default_config().model_dump(mode="json")
    document["hat"]["ports"][4]["inbound"] = ["101"]
    document["hat"]["ports"][5]["inbound"] = ["104"]
    return document


def put_every_port_in_a_call(pbx: SimulatedAppliance) -> None:
    """101 calls 102, 103 calls out on line 1, an outside caller on line 2 reaches 104;
    then everybody talks, each on a frequency of their own."""
    pbx.phone("101").off_hook()
    pbx.run_for(0.5)
    pbx.phone("101").dial("102")
    pbx.run_for(1)
    pbx.phone("102").off_hook()
    pbx.phone("103").off_hook()
    pbx.run_for(0.5)
    pbx.phone("103").dial("95551234")
    pbx.run_for(8)
    pbx.line(1).ring("5557777")
    pbx.run_for(6)
    pbx.phone("104").off_hook()
    pbx.run_for(2)
    for extension, tone in PHONE_TONES_HZ.items():
        pbx.phone(extension).say(tone, TALK_LEVEL_DBM0)
    for line, tone in LINE_TONES_HZ.items():
        pbx.line(line).say(tone, TALK_LEVEL_DBM0)
