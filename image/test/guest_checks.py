"""Checks `make image-test` runs inside the booted image, with the image's own Switchboard.

    python3 guest_checks.py call            a call between two simulated phones, tone heard
    python3 guest_checks.py rename NAME     save the configuration with the system name NAME
    python3 guest_checks.py name            print the running configuration's system name
    python3 guest_checks.py save-loop       save the configuration over and over (until killed)

Each prints one JSON line; a failed check prints {"ok": false, "why": ...} and exits 1.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from firmware.control.client import ControlClient

SOCKET = Path(os.environ.get("SWITCHBOARD_DATA", "/var/lib/switchboard")) / "run/control.sock"
STEP_TIMEOUT_S = 60.0  # the virtual machine runs without acceleration
TONE_HZ = 1000.0


async def wait_for(client: ControlClient, what: str, ready) -> dict:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + STEP_TIMEOUT_S
    while time.monotonic() < deadline:
        state = await client.request("sim_state")
        if ready(state):
            return state
        await asyncio.sleep(0.5)
    raise AssertionError(f"{what}: not within {STEP_TIMEOUT_S:.0f} s; last {state}")


def tone_level_db(pcm: np.ndarray, hz: float) -> float:
    """Level of `hz` in the samples relative to their total power (0 dB: nothing else)."""
    samples = pcm.astype(np.float64)
    samples -= samples.mean()
    phase = 2 * np.pi * hz * np.arange(len(samples)) / 8000
    at_tone = (np.dot(samples, np.cos(phase)) ** 2 + np.dot(samples, np.sin(phase)) ** 2) * 2
    total = float(np.dot(samples, samples)) * len(samples)
    return 10 * np.log10(max(at_tone, 1e-9) / max(total, 1e-9))


async def call() -> dict:
    async with ControlClient(SOCKET) as client:
        phone = lambda port, action, digits="": client.request(  # noqa: E731
            "sim_phone", port=port, action=action, digits=digits
        )
        await phone(0, "off_hook")
        await wait_for(client, "dial tone on phone 0", lambda s: s["phones"]["0"]["hears"])
        dial_tone = (await client.request("sim_state"))["phones"]["0"]["hears"]
        await phone(0, "dial", "102")
        await wait_for(client, "phone 1 rings", lambda s: s["phones"]["1"]["ringing"])
        await phone(1, "off_hook")
        status = None
        deadline = time.monotonic() + STEP_TIMEOUT_S
        while time.monotonic() < deadline:
            status = await client.request("status")
            if any(c.get("state") == "connected" for c in status["active_calls"]):
                break
            await asyncio.sleep(0.5)
        else:
            raise AssertionError(f"the call did not connect: {status}")
        await client.request("sim_tone", port=1, kind="phone", hz=TONE_HZ)
        await asyncio.sleep(1.0)
        start = (await client.request("sim_listen", port=0, kind="phone"))["end"]
        await asyncio.sleep(3.0)
        heard = await client.request("sim_listen", port=0, kind="phone", since=start)
        pcm = np.frombuffer(base64.b64decode(heard["pcm"]), dtype="<i2")
        await client.request("sim_tone", port=1, kind="phone", hz=None)
        await phone(0, "on_hook")
        await phone(1, "on_hook")
        level = tone_level_db(pcm[-8000:], TONE_HZ) if len(pcm) >= 8000 else -99.0
        rms = float(np.sqrt(np.mean(pcm.astype(np.float64) ** 2))) if len(pcm) else 0.0
        ok = level > -3.0 and rms > 100
        return {
            "ok": ok,
            "dial_tone": dial_tone,
            "call": [c.get("state") for c in status["active_calls"]],
            "tone_heard_db": round(level, 1),
            "rms": round(rms),
            "why": "" if ok else "phone 0 did not hear phone 1's tone",
        }


async def rename(name: str) -> dict:
    async with ControlClient(SOCKET) as client:
        config = await client.request("get_config")
        config["system"]["name"] = name
        await client.request("put_config", config=config)
        return {"ok": True, "name": (await client.request("get_config"))["system"]["name"]}


async def name() -> dict:
    async with ControlClient(SOCKET) as client:
        return {"ok": True, "name": (await client.request("get_config"))["system"]["name"]}


async def save_loop() -> dict:
    async with ControlClient(SOCKET) as client:
        config = await client.request("get_config")
        number = 0
        while True:
            number += 1
            config["system"]["name"] = f"Save {number}"
            await client.request("put_config", config=config)
            print(json.dumps({"saved": config["system"]["name"]}), flush=True)


def main(argv: list[str]) -> int:
    checks = {"call": call, "name": name, "save-loop": save_loop}
    try:
        if argv[0] == "rename":
            result = asyncio.run(rename(argv[1]))
        else:
            result = asyncio.run(checks[argv[0]]())
    except Exception as error:  # the host reads the reason
        result = {"ok": False, "why": f"{type(error).__name__}: {error}"}
    print(json.dumps(result), flush=True)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
