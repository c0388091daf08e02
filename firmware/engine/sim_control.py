"""Control requests that operate the simulated world of a running simulated appliance.

They act where a person would: on a virtual phone's hook switch and keypad, or on the
virtual exchange behind a line. The engine sees the result only through the emulated chips,
exactly as with real phones and lines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import aio
from firmware.control.server import ControlServer, RequestError

if TYPE_CHECKING:
    from firmware.simulator import SimulatedRig

PHONE_ACTIONS = ("off_hook", "on_hook", "flash", "dial", "dial_pulse", "say", "silence")
LINE_ACTIONS = ("ring", "hang_up", "answer")


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
