"""A configuration from before scenarios routes as it did: a call on a line rings the
line's extensions together until one answers; all of them busy gives busy tone."""

from firmware.config.document import parse
from tests.firmware.routing.conftest import Rig, people, run
from tests.firmware.routing.fake_control import Person

SCHEMA_1 = """
schema_version: 1
hat:
  ports:
    - {kind: fxs, port: 0}
    - {kind: fxs, port: 1}
    - {kind: fxs, port: 2}
    - {kind: fxo, port: 4, inbound: ["101", "102"]}
    - {kind: fxo, port: 5, inbound: ["103"]}
employees:
  - {extension: "101", name: Anna, fxs_ports: [0]}
  - {extension: "102", name: Boris, fxs_ports: [1]}
  - {extension: "103", name: Vera, fxs_ports: [2]}
"""


def route(crowd, line):
    config = parse(SCHEMA_1)

    async def main():
        return await Rig(config, crowd).inbound(line=line, patience_s=900)

    return run(main())


def test_a_line_rings_its_extensions_together_until_one_answers():
    crowd = people(e101=Person(answers_after_s=None), e102=Person(answers_after_s=300))
    call = route(crowd, "FXO/4")
    assert call.answered_by == "102"
    assert call.heard == [(0.0, "ringback"), (300.0, "talking:102")]
    assert not call.system_answered


def test_each_line_keeps_its_own_extensions():
    assert route(people(), "FXO/5").answered_by == "103"


def test_all_extensions_busy_gives_busy_tone_as_before():
    crowd = people(e101=Person(busy=True), e102=Person(busy=True))
    call = route(crowd, "FXO/4")
    assert call.heard_names() == ["ringback", "tone:busy", "hung_up:routed_away"]
