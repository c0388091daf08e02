"""Backup, restore and configuration history with one-click rollback; the audit log."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from starlette.responses import FileResponse, RedirectResponse, Response

from web_ui.auth.guard import require_admin
from web_ui.engine import ControlError, EngineUnavailable
from web_ui.i18n import N_
from web_ui.pages.render import refresh_system, render
from web_ui.state import web_state

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_admin)])
MAX_RESTORE_BYTES = 2 * 1024**3


async def _page(request: Request, status: int = 200, **extra: object) -> Response:
    state = web_state(request)
    await refresh_system(request)
    try:
        versions = await state.engine.request("config_versions")
        engine_status = await state.engine.request("status")
    except (EngineUnavailable, ControlError) as error:
        versions, engine_status = [], {"system": {}}
        extra.setdefault("problem", str(error))
    return render(
        request,
        "backup.html",
        status,
        versions=versions,
        version=engine_status.get("system", {}).get("version", ""),
        audit=state.accounts.audit_log(50),
        **extra,
    )


@router.get("/backup")
async def backup_page(request: Request) -> Response:
    return await _page(request, done=request.query_params.get("done", ""))


@router.post("/backup/download")
async def download_backup(request: Request, recordings: str = Form("")) -> Response:
    state = web_state(request)
    try:
        made = await state.engine.request("backup_create", recordings=bool(recordings))
    except (EngineUnavailable, ControlError) as error:
        return await _page(request, 503, problem=str(error))
    state.accounts.audit(request.state.session.account.username, "backup.download")
    path = Path(made["path"])
    return FileResponse(path, media_type="application/gzip", filename=path.name)


@router.post("/backup/restore")
async def restore_backup(request: Request, backup: UploadFile) -> Response:
    state = web_state(request)
    uploads = state.paths.root / "web" / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    target = uploads / "restore.tar.gz"
    size = 0
    with target.open("wb") as out:
        while block := await backup.read(1 << 20):
            size += len(block)
            if size > MAX_RESTORE_BYTES:
                out.close()
                target.unlink(missing_ok=True)
                return await _page(request, 413, problem=N_("the file is too large to be a backup"))
            out.write(block)
    try:
        await state.engine.request("backup_restore", path=str(target))
    except (EngineUnavailable, ControlError) as error:
        return await _page(request, 422, problem=str(error))
    finally:
        target.unlink(missing_ok=True)
    state.accounts.audit(
        request.state.session.account.username, "backup.restore", backup.filename or ""
    )
    return RedirectResponse("/backup?done=restored", status_code=303)


@router.post("/backup/rollback")
async def rollback(request: Request, number: int = Form(...)) -> Response:
    state = web_state(request)
    try:
        await state.engine.request("config_rollback", number=number)
    except (EngineUnavailable, ControlError) as error:
        return await _page(request, 422, problem=str(error))
    state.accounts.audit(request.state.session.account.username, "config.rollback", str(number))
    return RedirectResponse("/backup?done=rolled_back", status_code=303)
