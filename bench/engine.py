"""Cost of the engine's media path with every port in a call, per channel-second.

Four phones and two exchange lines talk for a minute of virtual time on the simulated hat.
The engine's media tick (G.711, DTMF receivers, echo cancellers, tone and caller-ID
receivers, bridges) is timed on its own, in CPU time of the engine's thread (other load on
the machine does not count), with the share of its costliest blocks; the whole simulation
(emulated chips, buses and the virtual phones and exchange) is reported beside it for scale.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from bench.scenarios import every_port_config, put_every_port_in_a_call
from firmware.simulator import SimulatedAppliance
from voice.dtmf_bank import DtmfReceiverBank
from voice.echo import EchoCanceller
from voice.tones import CallProgressDetector

TALK_S = 60.0
CHANNELS = 6


def _busy_appliance() -> SimulatedAppliance:
    pbx = SimulatedAppliance(every_port_config())
    pbx.start()
    put_every_port_in_a_call(pbx)
    return pbx


@contextmanager
def _timing(owner: type, method: str, spent: dict[str, float], key: str) -> Iterator[None]:
    """Add the CPU time every call of `owner.method` takes to spent[key] meanwhile."""
    original = getattr(owner, method)

    def timed(*args: object, **kwargs: object) -> object:
        started = time.thread_time()
        try:
            return original(*args, **kwargs)
        finally:
            spent[key] += time.thread_time() - started

    setattr(owner, method, timed)
    try:
        yield
    finally:
        setattr(owner, method, original)


def run() -> list[dict]:
    pbx = _busy_appliance()
    blocks = {
        "echo cancellers": 0.0,
        "call-progress detectors": 0.0,
        "DTMF receiver bank (ports wanting digits)": 0.0,
    }
    try:
        with (
            _timing(DtmfReceiverBank, "feed", blocks, "DTMF receiver bank (ports wanting digits)"),
            _timing(EchoCanceller, "process", blocks, "echo cancellers"),
            _timing(CallProgressDetector, "feed", blocks, "call-progress detectors"),
        ):
            rows = _run(pbx)
    finally:
        pbx.close()
    channel_seconds = TALK_S * CHANNELS
    for name, seconds in blocks.items():
        rows.insert(
            -1,
            {
                "name": f"  of which {name}",
                "ours_us_per_channel_s": 1e6 * seconds / channel_seconds,
                "spandsp_us_per_channel_s": None,
                "note": "inside the media tick, per port"
                + ("; in a call no port wants digits" if "DTMF" in name else ""),
            },
        )
    return rows


def _run(pbx: SimulatedAppliance) -> list[dict]:
    tick = pbx.engine._tick
    spent = [0.0]

    def timed_tick() -> None:
        started = time.thread_time()
        tick()
        spent[0] += time.thread_time() - started

    assert pbx.engine.hat is not None  # the simulated appliance always has its hat
    highway = pbx.engine.hat.highway
    highway.remove_tick_listener(tick)
    highway.add_tick_listener(timed_tick)
    started = time.thread_time()
    pbx.run_for(TALK_S)
    total = time.thread_time() - started
    states = [port["state"] for port in pbx.status()["ports"]]
    channel_seconds = TALK_S * CHANNELS
    note = f"{states.count('talking')} of {CHANNELS} ports talking for {TALK_S:.0f} s"
    return [
        {
            "name": "engine media tick, all ports in calls",
            "ours_us_per_channel_s": 1e6 * spent[0] / channel_seconds,
            "spandsp_us_per_channel_s": None,
            "note": note,
        },
        {
            "name": "whole simulation (chips, buses, world)",
            "ours_us_per_channel_s": 1e6 * total / channel_seconds,
            "spandsp_us_per_channel_s": None,
            "note": f"{TALK_S / total:.1f}x real time",
        },
    ]


def main() -> None:
    for row in run():
        print(f"{row['name']:44} {row['ours_us_per_channel_s']:>10.0f} us/ch-s   {row['note']}")


if __name__ == "__main__":
    main()
