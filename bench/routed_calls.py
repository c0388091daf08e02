"""The engine's CPU per outside call while routing holds it: in a menu, and waiting in a
call centre's queue with music.

Both exchange lines call in to the "orders and support" scenario on the simulated hat. The
process CPU over a stretch of virtual time is measured with the calls in the chosen state
and, for the baseline, with the appliance idle; the difference per call and second is the
figure (it includes the simulated exchange line's own share, a small overestimate).
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any
from zoneinfo import ZoneInfo

from firmware.config.defaults import default_config
from firmware.config.templates import load_template
from firmware.simulator import SimulatedAppliance

MEASURE_S = 30.0
LINES = (0, 1)
WEDNESDAY_MORNING = dt.datetime(2026, 12, 2, 11, 0)


def _config() -> dict[str, Any]:
    document = default_config().model_dump(mode="json")
    routing = load_template("orders_and_support", country=document["system"]["country"])
    document["routing"] = routing.model_dump(mode="json")
    menu = document["routing"]["scenarios"][0]["operations"]["greeting"]
    menu.update(timeout_s=30, repeats=10)  # callers stay in the menu while measured
    return document


def _appliance() -> SimulatedAppliance:
    document = _config()
    zone = ZoneInfo(document["system"]["timezone"])
    start = WEDNESDAY_MORNING.replace(tzinfo=zone).timestamp()
    pbx = SimulatedAppliance(document, start_epoch=start)
    pbx.start()
    return pbx


def _cpu_over(pbx: SimulatedAppliance, seconds: float) -> float:
    started = time.process_time()
    pbx.run_for(seconds)
    return time.process_time() - started


def _calls_in(pbx: SimulatedAppliance, *, queue: bool) -> None:
    if queue:  # the sales team is busy: callers wait with music
        for extension in ("101", "102"):
            pbx.phone(extension).off_hook()
    for index in LINES:
        pbx.line(index).ring(f"555010{index}")
    pbx.run_for(10)
    if queue:
        for index in LINES:
            pbx.line(index).press("1")
        pbx.run_for(3)


def run() -> list[dict]:
    rows = []
    idle = _appliance()
    try:
        idle.run_for(5)
        baseline = _cpu_over(idle, MEASURE_S)
    finally:
        idle.close()
    for name, queue in (("in a menu", False), ("waiting in a queue with music", True)):
        pbx = _appliance()
        try:
            _calls_in(pbx, queue=queue)
            steps = [call["step"] for call in pbx.status()["active_calls"]]
            busy = _cpu_over(pbx, MEASURE_S)
            still = [call["step"] for call in pbx.status()["active_calls"]]
        finally:
            pbx.close()
        wanted = "main/sales" if queue else "main/greeting"
        if steps.count(wanted) != len(LINES) or still.count(wanted) != len(LINES):
            raise RuntimeError(f"the calls were not where they should be: {steps} then {still}")
        per_call_s = max(busy - baseline, 0.0) / (len(LINES) * MEASURE_S)
        rows.append(
            {
                "name": f"engine per routed call {name}",
                "ours_us_per_channel_s": 1e6 * per_call_s,
                "spandsp_us_per_channel_s": None,
                "note": f"{len(LINES)} calls at {wanted} for {MEASURE_S:.0f} s, idle subtracted",
            }
        )
    return rows
