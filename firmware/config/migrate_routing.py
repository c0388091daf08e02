"""Schema 1 → 2: each exchange line's list of extensions becomes a scenario.

Before scenarios, a call on an FXO line rang the extensions listed in the line's `inbound`
setting, all together, until someone answered or the caller gave up. The equivalent is a
scenario per such line with one ring-all call centre of those extensions that rings as long
as the caller waits, busy tone when every one of them is busy, and a route from the line to
it. The list itself stays in place: the
line supervision reads it until the routing runner takes its place at the inbound entry.
"""

from __future__ import annotations

from typing import Any

# As long as the caller waits: the old list rang with no time limit.
UNLIMITED_RING_S = 3600.0


def inbound_lists_to_scenarios(data: dict[str, Any]) -> dict[str, Any]:
    hat = data.get("hat")
    ports = hat.get("ports") if isinstance(hat, dict) else None
    if not isinstance(ports, list):
        return data
    routing = dict(data.get("routing") or {})
    scenarios = list(routing.get("scenarios") or [])
    centres = list(routing.get("call_centres") or [])
    inbound = dict(routing.get("inbound") or {})
    routes = list(inbound.get("routes") or [])
    for port in ports:
        if not isinstance(port, dict) or port.get("kind") != "fxo" or not port.get("inbound"):
            continue
        number = port.get("port")
        name = f"line-{number}"
        label = port.get("label") or f"Line on port {number}"
        centres.append(
            {
                "id": name,
                "name": label,
                "strategy": "ring_all",
                "members": [{"extension": str(extension)} for extension in port["inbound"]],
                "answer_s": UNLIMITED_RING_S,
                "max_wait_s": None,
                "rounds": 1,
                "caller_hears": "ringback",
                "add_members_as_they_free_up": False,
            }
        )
        scenarios.append(
            {
                "id": name,
                "name": label,
                "start": "ring",
                "operations": {
                    "ring": {
                        "type": "call_centre",
                        "call_centre": name,
                        "exits": {"no_answer": "busy"},
                    },
                    "busy": {"type": "hang_up", "play": "busy_tone"},
                },
            }
        )
        routes.append({"line": number, "scenario": name})
    inbound["routes"] = routes
    routing.update(scenarios=scenarios, call_centres=centres, inbound=inbound)
    data["routing"] = routing
    return data
