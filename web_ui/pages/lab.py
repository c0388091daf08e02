"""The Lab: the simulated hat's phones and exchange lines, worked from the browser.

A virtual handset per FXS port (lift, hang up, flash, a keypad that dials DTMF audio,
the earpiece played in the browser, the caller-ID display, the ringer) and a virtual
exchange line per FXO port (an inbound call with a caller number, hang up, speak from
the microphone or a test tone, hear). Only a simulated appliance offers it.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import JSONResponse, Response

from web_ui.auth.guard import require_admin
from web_ui.engine import ControlError, EngineUnavailable
from web_ui.i18n import N_
from web_ui.pages.render import refresh_system, render
from web_ui.state import web_state

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_admin)])
PHONE_ACTIONS = {"off_hook", "on_hook", "flash", "dial", "say", "silence"}
LINE_ACTIONS = {"ring", "hang_up", "say", "silence"}
KEYS = re.compile(r"^[0-9*#ABCD]{1,32}$")
NUMBER = re.compile(r"^[0-9+*#]{0,20}$")


async def _engine(request: Request, op: str, **arguments: Any) -> Response:
    try:
        result = await web_state(request).engine.request(op, **arguments)
    except ControlError as error:
        status = 404 if error.code == "unknown_op" else 400
        return JSONResponse({"detail": str(error)}, status_code=status)
    except EngineUnavailable as error:
        return JSONResponse({"detail": str(error)}, status_code=503)
    return JSONResponse(result)


@router.get("/lab")
async def lab_page(request: Request) -> Response:
    config = await refresh_system(request) or {}
    try:
        sim = await web_state(request).engine.request("sim_state")
        problem = ""
    except ControlError:
        sim, problem = None, N_("the Lab works only when the engine runs the simulated hat")
    except EngineUnavailable as error:
        sim, problem = None, str(error)
    ports = config.get("hat", {}).get("ports", [])
    labels = {port["port"]: port.get("label", "") for port in ports}
    owners = {
        p: e["extension"] for e in config.get("employees", []) for p in e.get("fxs_ports", [])
    }
    phones = [
        {
            "port": int(port),
            "label": labels.get(int(port), ""),
            "extension": owners.get(int(port), ""),
        }
        for port in (sim or {}).get("phones", {})
    ]
    lines = [
        {"port": int(port), "label": labels.get(int(port), "")}
        for port in (sim or {}).get("lines", {})
    ]
    return render(request, "lab.html", phones=phones, lines=lines, problem=problem)


@router.get("/lab/state")
async def lab_state(request: Request) -> Response:
    return await _engine(request, "sim_state")


@router.post("/lab/phone/{port}")
async def phone_action(request: Request, port: int) -> Response:
    body = await request.json()
    action = body.get("action")
    if action not in PHONE_ACTIONS:
        return JSONResponse({"detail": f"unknown action {action!r}"}, status_code=400)
    arguments: dict[str, Any] = {"port": port, "action": action}
    if action == "dial":
        digits = str(body.get("digits", ""))
        if not KEYS.match(digits):
            return JSONResponse({"detail": "keys are 0-9, *, # and A-D"}, status_code=400)
        arguments["digits"] = digits
    if action == "say":
        arguments["hz"] = float(body.get("hz", 1000))
    return await _engine(request, "sim_phone", **arguments)


@router.post("/lab/line/{port}")
async def line_action(request: Request, port: int) -> Response:
    body = await request.json()
    action = body.get("action")
    if action not in LINE_ACTIONS:
        return JSONResponse({"detail": f"unknown action {action!r}"}, status_code=400)
    if action in ("say", "silence"):
        return await _engine(
            request,
            "sim_tone",
            kind="line",
            port=port,
            hz=float(body.get("hz", 1000)) if action == "say" else None,
        )
    arguments: dict[str, Any] = {"port": port, "action": action}
    if action == "ring":
        number, name = str(body.get("number", "")), str(body.get("name", ""))[:15]
        if not NUMBER.match(number):
            return JSONResponse({"detail": "the caller number is digits only"}, status_code=400)
        arguments.update(number=number or None, name=name or None)
        standard = body.get("standard")
        if standard in ("bell202", "etsi_fsk", "dtmf"):
            arguments["standard"] = standard
    return await _engine(request, "sim_line", **arguments)


@router.get("/lab/listen/{kind}/{port}")
async def listen(request: Request, kind: str, port: int, since: int | None = None) -> Response:
    if kind not in ("phone", "line"):
        return JSONResponse({"detail": "kind is phone or line"}, status_code=404)
    return await _engine(request, "sim_listen", kind=kind, port=port, since=since)


@router.post("/lab/speak/{kind}/{port}")
async def speak(request: Request, kind: str, port: int) -> Response:
    if kind not in ("phone", "line"):
        return JSONResponse({"detail": "kind is phone or line"}, status_code=404)
    body = await request.json()
    return await _engine(request, "sim_speak", kind=kind, port=port, pcm=str(body.get("pcm", "")))
