"""Control requests a test rig needs on the simulated world, timed on the engine's clock.

A rig talking to a fast (virtual-time) engine cannot wait or measure on its own clock: the
engine's time runs ahead between two requests. So waiting for a condition, recording while
playing, and watching a bell are each one request that waits on the engine's clock and
returns what a real rig's fixture would have measured. Everything here acts on the virtual
phones, exchange lines and chips of the simulated hat, never on the engine.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

import aio
from drivers.frames import SAMPLE_RATE_HZ
from drivers.sim.world.exchange import LineState
from firmware.control.server import ControlServer, RequestError

if TYPE_CHECKING:
    from drivers.sim.rig import SimulatedRig

POLL_S = 0.02
STEP_POLL_S = 0.01  # a stepped clock stops within this of a fixture's input changing
MAX_WAIT_S = 600.0
MAX_RECORD_S = 20.0
PHONE_CONDITIONS = ("ringing", "not_ringing", "tone", "caller_id")
LINE_CONDITIONS = ("seized", "released", "digits", "tone", "ringing", "not_ringing")
FAULTS = ("dead_slic", "no_line", "echo", "gain")


def register_rig_control(server: ControlServer, rig: SimulatedRig) -> None:
    def party(request: dict[str, Any]) -> Any:
        kind = request.get("kind")
        devices: dict[int, Any] = rig.phones if kind == "phone" else rig.exchanges
        if kind not in ("phone", "line"):
            raise RequestError("bad_request", "kind must be phone or line")
        port = request.get("port")
        if port not in devices:
            known = ", ".join(map(str, sorted(devices)))
            raise RequestError(
                "bad_request", f"no simulated {kind} on port {port!r}; ports: {known}"
            )
        return devices[port]

    def seconds(request: dict[str, Any], key: str, limit: float) -> float:
        value = request.get(key)
        if not isinstance(value, int | float) or not 0 <= value <= limit:
            raise RequestError("bad_request", f"{key} must be 0 to {limit:g} seconds")
        return float(value)

    def condition(request: dict[str, Any]) -> Callable[[], bool]:
        target = party(request)
        until = request.get("until")
        value = request.get("value")
        if request["kind"] == "phone":
            if until == "ringing":
                return target.is_ringing  # type: ignore[no-any-return]
            if until == "not_ringing":
                return lambda: not target.is_ringing()
            if until == "tone":
                return lambda: target.is_off_hook and target.hears(1.0).tone == value
            if until == "caller_id":
                seen = len(target.caller_id_history)
                return lambda: len(target.caller_id_history) > seen
            raise RequestError("bad_request", f"until must be one of {', '.join(PHONE_CONDITIONS)}")
        line = rig.hat.lines[request["port"]]
        if until == "seized":
            return lambda: bool(line.off_hook)
        if until == "released":
            return lambda: not line.off_hook
        if until == "digits":
            count = int(value or 1)
            return lambda: len(target.digits_received()) >= count
        if until == "tone":
            return lambda: target.hears(1.0).tone == value
        if until == "ringing":
            return lambda: bool(target.ringing)
        if until == "not_ringing":
            return lambda: not target.ringing
        raise RequestError("bad_request", f"until must be one of {', '.join(LINE_CONDITIONS)}")

    async def rig_wait(request: dict[str, Any]) -> Any:
        """Wait on the engine's clock until a condition holds or `timeout_s` passes."""
        met = condition(request)
        timeout = seconds(request, "timeout_s", MAX_WAIT_S)
        start = aio.monotonic()
        while not met():
            if aio.monotonic() - start >= timeout:
                return {"met": False, "waited_s": aio.monotonic() - start}
            await aio.sleep(POLL_S)
        return {"met": True, "waited_s": aio.monotonic() - start}

    async def rig_record(request: dict[str, Any]) -> Any:
        """What a party hears for `seconds`; with `play` ({kind, port, hz | pcm, level_dbm0})
        that party starts sounding at the first recorded sample, for delay measurements."""
        target = party(request)
        duration = seconds(request, "seconds", MAX_RECORD_S)
        play = request.get("play")
        source = party(play) if isinstance(play, dict) else None
        cursor, _ = target.heard_since(None, 0)
        if source is not None and isinstance(play, dict):
            source.say(_utterance(play), float(play.get("level_dbm0", -10)))
        pieces: list[np.ndarray] = []
        start = cursor
        deadline = aio.monotonic() + duration
        while True:
            remaining = deadline - aio.monotonic()
            await aio.sleep(min(1.0, max(remaining, 0)))
            first, samples = target.heard_since(cursor, 2.0)
            if not pieces:
                start = first
            pieces.append(samples)
            cursor = first + len(samples)
            if remaining <= 1.0:
                break
        if source is not None:
            source.say(None)
        recorded = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int16)
        recorded = recorded[: round(duration * SAMPLE_RATE_HZ)]
        pcm = base64.b64encode(recorded.astype("<i2").tobytes()).decode("ascii")
        return {"start": start, "rate": SAMPLE_RATE_HZ, "pcm": pcm}

    async def rig_watch_ringing(request: dict[str, Any]) -> Any:
        """The bell of a phone over `seconds`: on/off durations (ms), frequency, voltage."""
        phone = party({**request, "kind": "phone"})
        duration = seconds(request, "seconds", MAX_WAIT_S)
        start = aio.monotonic()
        while aio.monotonic() - start < duration:
            phone.is_ringing()
            await aio.sleep(POLL_S / 2)
        phone.is_ringing()
        rings = [ring for ring in phone.ring_log if ring.end_s is None or ring.end_s > start]
        intervals = [(max(ring.start_s, start), ring.end_s) for ring in rings]
        durations: list[int] = []
        for index, (begin, end) in enumerate(intervals):
            if end is None:
                break
            durations.append(round((end - begin) * 1000))
            if index + 1 < len(intervals):
                durations.append(round((intervals[index + 1][0] - end) * 1000))
        return {
            "cadence_ms": durations,
            "first_ring_at_start": bool(intervals) and intervals[0][0] == start,
            "frequency_hz": rings[0].frequency_hz if rings else None,
            "amplitude_vpk": rings[0].amplitude_vpk if rings else None,
        }

    async def rig_caller_id(request: dict[str, Any]) -> Any:
        """The latest caller ID a phone's display shows."""
        shown = party({**request, "kind": "phone"}).caller_id()
        if shown is None:
            return None
        return {
            "number": shown.number,
            "name": shown.name,
            "standard": shown.standard,
            "absence": shown.absence,
        }

    async def rig_ring_line(request: dict[str, Any]) -> Any:
        """An incoming call on an exchange line with the given cadence and caller ID."""
        line = party({**request, "kind": "line"})
        options: dict[str, Any] = {}
        for key in ("standard", "timing", "alert", "frequency_hz", "max_rings"):
            if request.get(key) is not None:
                options[key] = request[key]
        if request.get("cadence_ms") is not None:
            options["cadence_ms"] = tuple(int(ms) for ms in request["cadence_ms"])
        if line.ringing or rig.hat.lines[request["port"]].off_hook:
            raise RequestError("busy", f"line {request['port']} is already in a call")
        task = aio.create_task(line.ring(request.get("number"), request.get("name"), **options))
        _keep(task)
        return {"ringing": True}

    async def rig_line_action(request: dict[str, Any]) -> Any:
        """The exchange side: press keys as DTMF audio, reverse polarity, drop the battery."""
        line = party({**request, "kind": "line"})
        action = request.get("action")
        now = aio.monotonic()
        if action == "press":
            await line.press(str(request.get("digits", "")))
        elif action == "reverse_polarity":
            line._flip(now)
        elif action == "disconnect_battery":
            line.disconnect_battery()
        elif action == "restore_battery":
            line.restore_battery()
        else:
            raise RequestError(
                "bad_request",
                "action must be press, reverse_polarity, disconnect_battery or restore_battery",
            )
        return {"digits_received": line.digits_received()}

    async def rig_line_drive(request: dict[str, Any]) -> Any:
        """The exchange side worked by a rig's own relays and audio: ring voltage on or off
        while the rig offers a call, samples (caller ID, key tones) onto the line, or the
        offer withdrawn. The exchange answers the call when the DAA seizes the ringing line."""
        exchange = party({**request, "kind": "line"})
        line = rig.hat.lines[request["port"]]
        action = request.get("action")
        now = aio.monotonic()
        if action == "ring_on":
            if exchange.state is LineState.IDLE and not line.off_hook:
                exchange.state = LineState.RINGING
                exchange._answered = False
                exchange._note(now, "ringing (offered by the rig)")
            elif exchange.state is not LineState.RINGING:
                raise RequestError("busy", f"line {request['port']} is {exchange.state.value}")
            line.start_ringing(now)
        elif action == "ring_off":
            line.stop_ringing(now)
        elif action == "withdraw":
            line.stop_ringing(now)
            if exchange.state is LineState.RINGING:
                exchange._note(now, "caller gave up")
                exchange._end_call(now)
        elif action == "signal":
            exchange._send_signal(_utterance({"pcm": request.get("pcm")}), now)
        else:
            raise RequestError(
                "bad_request", "action must be ring_on, ring_off, withdraw or signal"
            )
        return {"state": exchange.state.value}

    async def rig_line_loop(request: dict[str, Any]) -> Any:
        """The DC state an exchange sees on its line: seized, loop current, line volts."""
        line = rig.hat.lines.get(request.get("port"))  # type: ignore[arg-type]
        if line is None:
            raise RequestError("bad_request", f"no exchange line on port {request.get('port')!r}")
        return {
            "seized": bool(line.off_hook),
            "loop_current_ma": line.loop_current_ma(),
            "dc_volts": line.dc_volts(),
        }

    async def rig_fault(request: dict[str, Any]) -> Any:
        """Break something in the world, as a technician's fault box would."""
        fault = request.get("fault")
        port = request.get("port")
        if fault == "dead_slic":
            rig.hat.remove_chip(port)  # type: ignore[arg-type]
        elif fault == "no_line":
            rig.hat.remove_line_battery(port)  # type: ignore[arg-type]
        elif fault == "echo":
            line = party({**request, "kind": "line"})
            loss = float(request.get("return_loss_db", 0))
            line._echo = type(line._echo)(loss, line._echo.delay_samples * 1000 / SAMPLE_RATE_HZ)
        elif fault == "gain":
            # A faulty part between the chip and the handset: the earpiece gets less.
            loop = rig.hat.loops[port]  # type: ignore[index]
            factor = 10 ** (float(request.get("gain_db", -12)) / 20)
            healthy = loop.phone_sink
            if healthy is None:
                raise RequestError("bad_request", f"no phone listens on port {port}")
            loop.phone_sink = lambda samples: healthy((samples * factor).astype(np.int16))
        else:
            raise RequestError("bad_request", f"fault must be one of {', '.join(FAULTS)}")
        return {"fault": fault, "port": port}

    async def rig_clock(_request: dict[str, Any]) -> Any:
        return {"monotonic": aio.monotonic(), "wall": aio.wall_time()}

    async def rig_hold(request: dict[str, Any]) -> Any:
        """Stop the clock here (hold true) until `rig_step` moves it, or let it run again:
        a fixture on a clock of its own keeps the world in lockstep with it."""
        loop = asyncio.get_running_loop()
        if not hasattr(loop, "clock_limit"):
            raise RequestError("bad_request", "the clock can be held only on virtual time")
        loop.clock_limit = aio.monotonic() if request.get("hold", True) else None
        return {"monotonic": aio.monotonic(), "held": loop.clock_limit is not None}

    async def rig_step(request: dict[str, Any]) -> Any:
        """Let a held clock run `seconds` further; returns what the rig's inputs read then."""
        loop = asyncio.get_running_loop()
        if getattr(loop, "clock_limit", None) is None:
            raise RequestError("bad_request", "rig_step needs a held clock (rig_hold first)")
        duration = seconds(request, "seconds", MAX_WAIT_S)
        target = aio.monotonic() + duration
        loop.clock_limit = max(loop.clock_limit, target)  # type: ignore[attr-defined]
        if not request.get("until_change"):
            await asyncio.sleep(target - aio.monotonic())
            return world_inputs()
        # Stop early, and hold there, as soon as a fixture's input would change.
        before = switching_inputs(world_inputs())
        while target - aio.monotonic() > 1e-9:
            await asyncio.sleep(min(STEP_POLL_S, target - aio.monotonic()))
            now = world_inputs()
            if switching_inputs(now) != before:
                loop.clock_limit = aio.monotonic()  # type: ignore[attr-defined]
                return now
        return world_inputs()

    def switching_inputs(inputs: dict[str, Any]) -> list[Any]:
        """The on/off part of the inputs (not the analog readings)."""
        phones = [(p["ringing"], p["caller_ids"]) for p in inputs["phones"].values()]
        lines = [(q["seized"], q["ringing"], q["digits"]) for q in inputs["lines"].values()]
        return [phones, lines]

    def world_inputs() -> dict[str, Any]:
        """Every input a fixture's line interfaces read, at this moment."""
        phones = {}
        for port, phone in rig.phones.items():
            rings = phone.ring_log
            shown = phone.caller_id_history
            last = shown[-1] if shown else None
            phones[str(port)] = {
                "ringing": phone.is_ringing(),
                "ring_hz": rings[-1].frequency_hz if rings else None,
                "ring_vpk": rings[-1].amplitude_vpk if rings else None,
                "caller_ids": len(shown),
                "caller_id": None
                if last is None
                else {"number": last.number, "name": last.name, "standard": last.standard},
            }
        lines = {}
        for port, exchange in rig.exchanges.items():
            line = rig.hat.lines[port]
            lines[str(port)] = {
                "seized": bool(line.off_hook),
                "ringing": bool(exchange.ringing),
                "digits": exchange.digits_received(),
                "loop_ma": line.loop_current_ma(),
                "volts": line.dc_volts(),
            }
        return {"monotonic": aio.monotonic(), "phones": phones, "lines": lines}

    server.handle("rig_hold", rig_hold)
    server.handle("rig_step", rig_step)
    server.handle("rig_wait", rig_wait)
    server.handle("rig_record", rig_record)
    server.handle("rig_watch_ringing", rig_watch_ringing)
    server.handle("rig_caller_id", rig_caller_id)
    server.handle("rig_ring_line", rig_ring_line)
    server.handle("rig_line_action", rig_line_action)
    server.handle("rig_line_loop", rig_line_loop)
    server.handle("rig_line_drive", rig_line_drive)
    server.handle("rig_fault", rig_fault)
    server.handle("rig_clock", rig_clock)


_running: set[aio.Task[Any]] = set()


def _keep(task: aio.Task[Any]) -> None:
    _running.add(task)
    task.add_done_callback(_running.discard)


def _utterance(play: dict[str, Any]) -> Any:
    if play.get("pcm") is not None:
        raw = base64.b64decode(str(play["pcm"]), validate=True)
        return np.frombuffer(raw, dtype="<i2").astype(np.int16)
    hz = play.get("hz")
    if isinstance(hz, list):
        return tuple(float(f) for f in hz)
    return None if hz is None else float(hz)
