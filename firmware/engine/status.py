"""Live status of every port for the control API: what it is doing, with whom, since when."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from drivers.ports import Health, PortStatus
from firmware.engine.call import Call, CallState

if TYPE_CHECKING:
    from firmware.engine.context import EngineContext
    from firmware.engine.fxo_line import FxoLine
    from firmware.engine.fxs_line import FxsLine

# Line supervision modes as the four states people talk about.
SIMPLE_STATES = {
    "idle": "idle",
    "releasing": "idle",
    "ringing": "ringing",
    "dialling": "dialling",
    "calling": "dialling",
    "seizing": "dialling",
    "off_hook_warning": "dialling",
    "parked": "dialling",
    "released": "dialling",
    "talking": "talking",
}


def port_row(
    port_status: PortStatus, line: FxsLine | FxoLine | None, context: EngineContext
) -> dict[str, Any]:
    settings = context.port_config(port_status.index)
    row: dict[str, Any] = {
        "index": port_status.index,
        "kind": port_status.kind.value,
        "label": settings.label if settings is not None else "",
        "chip": port_status.chip,
        "health": port_status.health.value,
        "reason": port_status.reason,
        "measurements": port_status.measurements,
        "counters": port_status.counters,
    }
    if port_status.health is Health.FAILED or line is None:
        state = "failed" if port_status.health is Health.FAILED else "unused"
        row.update(state=state, detail=state, peer="", since=None)
        return row
    mode = line.mode.value
    row.update(
        state=SIMPLE_STATES.get(mode, mode),
        detail=mode,
        peer=line.peer(),
        since=line.since,
    )
    if settings is not None and not settings.enabled:
        row["state"] = "disabled"
    echo = line.channel.last_echo
    if echo is not None:
        row["echo"] = {"erl_db": round(echo.erl_db, 1), "erle_db": round(echo.converged_erle_db, 1)}
    return row


def call_rows(calls: list[Call]) -> list[dict[str, Any]]:
    """Calls in progress for the dashboard: who calls whom, in which state and scenario step."""
    return [
        {
            "id": call.id,
            "direction": call.direction,
            "from": call.caller.number,
            "from_name": call.caller.name,
            "to": call.dialled,
            "state": call.state.value,
            "step": call.step,
            "parties": [party.name for party in call.parties],
            "ringing": [endpoint.name for endpoint in call.alerting],
            "since": call.record.started_at,
        }
        for call in calls
        if call.state is not CallState.ENDED
    ]
