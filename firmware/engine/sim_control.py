"""Control requests that operate the simulated world of a running simulated appliance.

They act where a person would: on a virtual phone's hook switch and keypad, or on the
virtual exchange behind a line. The engine sees the result only through the emulated chips,
exactly as with real phones and lines.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

import numpy as np

import aio
from firmware.control.server import ControlServer, RequestError

if TYPE_CHECKING:
    from drivers.sim.rig import SimulatedRig

PHONE_ACTIONS = ("off_hook", "on_hook", "flash", "dial", "dial_pulse", "say", "silence")
LINE_ACTIONS = ("ring", "hang_up", "answer", "press")
MAX_SPOKEN_BYTES = 10 * 8000 * 2


def register_sim_control(server: ControlServer, rig: SimulatedRig) -> None:
    background: set[aio.Task[Any]] = set()

    def spawn(coroutine: Any) -> None:
        task = aio.create_task(coroutine)
        background.add(task)
        task.add_done_callback(background.discard)

    def port_of(request: dict[str, Any], devices: dict[int, Any], what: str) -> Any:
        port = request.get("port")
        if port not in devices:
            known = ", ".join(map(str, sorted(devices)))
            raise RequestError(
                "bad_request", f"no simulated {what} on port {port!r}; ports: {known}"
            )
        return devices[port]

    async def sim_phone(request: dict[str, Any]) -> Any:
        phone = port_of(request, rig.phones, "phone")
        action = request.get("action")
        digits = str(request.get("digits", ""))
        if action == "off_hook":
            phone.off_hook()
        elif action == "on_hook":
            phone.on_hook()
        elif action == "flash":
            spawn(phone.flash())
        elif action == "dial":
            spawn(phone.dial_dtmf(digits))
        elif action == "dial_pulse":
            spawn(phone.dial_pulse(digits))
        elif action == "say":
            phone.say(float(request.get("hz", 1000)))
        elif action == "silence":
            phone.say(None)
        else:
            raise RequestError("bad_request", f"action must be one of {', '.join(PHONE_ACTIONS)}")
        return _phone_state(phone)

    async def sim_line(request: dict[str, Any]) -> Any:
        line = port_of(request, rig.exchanges, "line")
        action = request.get("action")
        if action == "ring":
            spawn(
                line.ring(
                    request.get("number"),
                    request.get("name"),
                    standard=request.get("standard", "bell202"),
                )
            )
        elif action == "hang_up":
            line.hang_up(str(request.get("method", "loop")))
        elif action == "answer":
            line.answer()
        elif action == "press":
            keys = str(request.get("digits", ""))
            if not keys or any(key not in "0123456789*#ABCD" for key in keys):
                raise RequestError("bad_request", "press needs digits: 0-9, *, # or A-D")
            spawn(line.press(keys))
        else:
            raise RequestError("bad_request", f"action must be one of {', '.join(LINE_ACTIONS)}")
        return {"port": request["port"], "digits_received": line.digits_received()}

    async def sim_state(_request: dict[str, Any]) -> Any:
        return {
            "phones": {str(port): _phone_state(phone) for port, phone in rig.phones.items()},
            "lines": {
                str(port): {"ringing": line.ringing, "digits_received": line.digits_received()}
                for port, line in rig.exchanges.items()
            },
        }

    def party_of(request: dict[str, Any]) -> Any:
        if request.get("kind") == "line":
            return port_of(request, rig.exchanges, "line")
        return port_of(request, rig.phones, "phone")

    async def sim_listen(request: dict[str, Any]) -> Any:
        """What a phone's earpiece (or a line's far end) heard since sample `since`."""
        since = request.get("since")
        start, samples = party_of(request).heard_since(since if isinstance(since, int) else None)
        pcm = base64.b64encode(samples.astype("<i2").tobytes()).decode("ascii")
        return {"start": start, "end": start + len(samples), "rate": 8000, "pcm": pcm}

    async def sim_speak(request: dict[str, Any]) -> Any:
        """Speak int16 8 kHz samples (base64, little endian) into a phone or a line."""
        try:
            raw = base64.b64decode(str(request.get("pcm", "")), validate=True)
        except ValueError:
            raise RequestError("bad_request", "pcm must be base64 of 16-bit samples") from None
        if len(raw) % 2 or len(raw) > MAX_SPOKEN_BYTES:
            raise RequestError("bad_request", "pcm must be whole 16-bit samples, at most 10 s")
        party_of(request).say(np.frombuffer(raw, dtype="<i2").astype(np.int16))
        return {"samples": len(raw) // 2}

    async def sim_tone(request: dict[str, Any]) -> Any:
        """A steady test tone (hz) into a phone or a line, or silence (hz null)."""
        hz = request.get("hz")
        if hz is not None and not (isinstance(hz, int | float) and 50 <= hz <= 3900):
            raise RequestError("bad_request", "hz must be 50 to 3900, or null for silence")
        party_of(request).say(None if hz is None else float(hz))
        return {"hz": hz}

    server.handle("sim_tone", sim_tone)
    server.handle("sim_listen", sim_listen)
    server.handle("sim_speak", sim_speak)
    server.handle("sim_phone", sim_phone)
    server.handle("sim_line", sim_line)
    server.handle("sim_state", sim_state)


def _phone_state(phone: Any) -> dict[str, Any]:
    caller = phone.caller_id()
    hearing = phone.hears(1.0) if phone.is_off_hook else None
    return {
        "off_hook": phone.is_off_hook,
        "ringing": phone.is_ringing(),
        "caller_id": {"number": caller.number, "name": caller.name} if caller else None,
        "hears": hearing.tone if hearing is not None else None,
    }
