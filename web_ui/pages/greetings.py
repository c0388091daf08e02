"""Greetings: upload a recording in any common format, play it back, delete it."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from starlette.responses import FileResponse, RedirectResponse, Response

from web_ui.auth.guard import require_admin
from web_ui.engine import ControlError, EngineUnavailable
from web_ui.i18n import N_
from web_ui.pages.render import refresh_system, render
from web_ui.state import web_state

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_admin)])
MAX_UPLOAD_BYTES = 25 * 1024 * 1024  # the engine refuses larger files as well
TOO_LARGE = N_("the file is too large for a greeting")


async def _page(request: Request, status: int = 200, **extra: object) -> Response:
    await refresh_system(request)
    try:
        greetings = await web_state(request).engine.request("greeting_list")
    except (EngineUnavailable, ControlError) as error:
        greetings = []
        extra.setdefault("problem", str(error))
    return render(request, "greetings.html", status, greetings=greetings, **extra)


@router.get("/greetings")
async def greetings_page(request: Request) -> Response:
    return await _page(request, done=request.query_params.get("done", ""))


@router.post("/greetings")
async def upload_greeting(request: Request, audio: UploadFile, name: str = Form("")) -> Response:
    state = web_state(request)
    uploads = state.paths.root / "web" / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    target = uploads / "greeting.upload"
    size = 0
    try:
        with target.open("wb") as out:
            while block := await audio.read(1 << 20):
                size += len(block)
                if size > MAX_UPLOAD_BYTES:
                    return await _page(
                        request, 413, problem=N_("the file is too large for a greeting")
                    )
                out.write(block)
        await state.engine.request("greeting_add", name=name.strip().lower(), path=str(target))
    except (EngineUnavailable, ControlError) as error:
        return await _page(request, 422, problem=str(error), name=name)
    finally:
        target.unlink(missing_ok=True)
    state.accounts.audit(request.state.session.account.username, "greeting.upload", name)
    return RedirectResponse("/greetings?done=uploaded", status_code=303)


@router.get("/greetings/{name}.wav")
async def play_greeting(request: Request, name: str) -> Response:
    greetings = await web_state(request).engine.request("greeting_list")
    if name not in {greeting["name"] for greeting in greetings}:
        return render(request, "message.html", 404, message=N_("there is no such greeting"))
    path = web_state(request).paths.root / "greetings" / f"{name}.wav"
    return FileResponse(path, media_type="audio/wav")


@router.post("/greetings/{name}/delete")
async def delete_greeting(request: Request, name: str) -> Response:
    state = web_state(request)
    try:
        await state.engine.request("greeting_delete", name=name)
    except (EngineUnavailable, ControlError) as error:
        return await _page(request, 422, problem=str(error))
    state.accounts.audit(request.state.session.account.username, "greeting.delete", name)
    return RedirectResponse("/greetings?done=deleted", status_code=303)
