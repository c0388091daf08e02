"""The voicemail inbox (play, download, mark heard, delete) and the call recordings.

An employee sees the boxes they own; the office's admins see every box and every
recording. The list, marks and deletions go through the engine; the audio is read from the
file the engine names, under the data directory, read-only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import FileResponse, RedirectResponse, Response

from web_ui.auth.guard import require_admin, require_user
from web_ui.auth.store import Account
from web_ui.engine import ControlError, EngineUnavailable
from web_ui.i18n import N_
from web_ui.pages.render import refresh_system, render
from web_ui.state import web_state

router = APIRouter(include_in_schema=False)


def own_boxes(config: dict[str, Any], account: Account) -> list[str] | None:
    """The box ids the account may open; None means every box (an admin)."""
    if account.is_admin:
        return None
    boxes = [
        box["id"]
        for box in config.get("voicemail", {}).get("boxes", [])
        if account.extension and box.get("owner") == account.extension
    ]
    for employee in config.get("employees", []):
        chosen = employee.get("calls", {}).get("voicemail_box", "")
        if account.extension and employee.get("extension") == account.extension and chosen:
            boxes.append(chosen)
    return boxes


async def _messages(request: Request, kind: str) -> tuple[list[dict[str, Any]], str]:
    try:
        listed = await web_state(request).engine.request("messages_list", kind=kind)
    except (EngineUnavailable, ControlError) as error:
        return [], str(error)
    return listed, ""


async def _allowed(request: Request, account: Account, kind: str) -> list[dict[str, Any]]:
    config = await refresh_system(request) or {}
    messages, _problem = await _messages(request, kind)
    boxes = own_boxes(config, account)
    if kind == "recording" and not account.is_admin:
        return []
    return [m for m in messages if boxes is None or m["box"] in boxes]


async def _find(request: Request, account: Account, message_id: str) -> dict[str, Any] | None:
    for kind in ("voicemail", "recording"):
        for message in await _allowed(request, account, kind):
            if message["id"] == message_id:
                return message
    return None


@router.get("/voicemail")
async def inbox(request: Request, account: Account = Depends(require_user)) -> Response:
    config = await refresh_system(request) or {}
    messages, problem = await _messages(request, "voicemail")
    boxes = own_boxes(config, account)
    shown = [m for m in messages if boxes is None or m["box"] in boxes]
    names = {
        box["id"]: box.get("name") or box["id"]
        for box in config.get("voicemail", {}).get("boxes", [])
    }
    return render(
        request,
        "voicemail.html",
        messages=shown,
        problem=problem,
        box_names=names,
        no_box=boxes == [],
        kind="voicemail",
    )


@router.get("/recordings")
async def recordings(request: Request, _admin: Account = Depends(require_admin)) -> Response:
    messages, problem = await _messages(request, "recording")
    return render(
        request,
        "voicemail.html",
        messages=messages,
        problem=problem,
        box_names={},
        no_box=False,
        kind="recording",
    )


@router.get("/voicemail/{message_id}.wav")
async def audio(
    request: Request, message_id: str, account: Account = Depends(require_user)
) -> Response:
    message = await _find(request, account, message_id)
    root = web_state(request).paths.root.resolve()
    path = (root / message["file"]).resolve() if message else None
    if path is None or not path.is_relative_to(root) or not path.is_file():
        return Response("no such message", status_code=404, media_type="text/plain")
    download = request.query_params.get("download") == "1"
    return FileResponse(
        Path(path),
        media_type="audio/wav",
        filename=f"{message_id}.wav" if download else None,
        content_disposition_type="attachment" if download else "inline",
    )


@router.post("/voicemail/{message_id}/heard")
async def mark(
    request: Request,
    message_id: str,
    heard: str = Form("1"),
    account: Account = Depends(require_user),
) -> Response:
    return await _change(request, account, message_id, "message_update", heard=heard == "1")


@router.post("/voicemail/{message_id}/delete")
async def delete(
    request: Request, message_id: str, account: Account = Depends(require_user)
) -> Response:
    return await _change(request, account, message_id, "message_delete")


async def _change(
    request: Request, account: Account, message_id: str, op: str, **arguments: Any
) -> Response:
    message = await _find(request, account, message_id)
    back = "/recordings" if message and message["kind"] == "recording" else "/voicemail"
    if message is None:
        return render(request, "message.html", 404, message=N_("That message is not there."))
    try:
        await web_state(request).engine.request(op, message=message_id, **arguments)
    except (EngineUnavailable, ControlError) as error:
        return render(request, "message.html", 503, message=str(error))
    web_state(request).accounts.audit(account.username, f"voicemail.{op}", message_id)
    return RedirectResponse(back, status_code=303)
