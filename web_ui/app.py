"""The web process: pages, the REST API and live events, all through the engine's
control API.

It never touches hardware and writes nothing under the data directory but its own
accounts, sessions and audit log; a slow page or a crash here cannot drop a call because
the engine is another process.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from firmware.paths import DataPaths
from web_ui.api.v1 import router as api_v1
from web_ui.auth.guard import SessionGuard
from web_ui.auth.store import AccountStore
from web_ui.engine import EngineLink
from web_ui.first_boot import adopt_first_boot_password
from web_ui.pages import (
    call_centres,
    dashboard,
    employees,
    greetings,
    history,
    lab,
    login,
    logs,
    me,
    reports,
    scenarios,
    settings,
    system,
    voicemail,
)
from web_ui.state import WebState

HERE = Path(__file__).parent
VERSION = "1"


def web_db_path(paths: DataPaths) -> Path:
    return paths.root / "web" / "web.sqlite3"


def create_app(paths: DataPaths) -> FastAPI:
    accounts = AccountStore(web_db_path(paths))
    adopt_first_boot_password(paths, accounts)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    app = FastAPI(
        title="Switchboard",
        version=VERSION,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.web = WebState(paths, accounts, EngineLink(paths.control_socket), templates)
    app.add_middleware(SessionGuard, accounts=accounts)
    for pages in (
        login,
        dashboard,
        settings,
        call_centres,
        employees,
        scenarios,
        greetings,
        history,
        reports,
        system,
        logs,
        lab,
        me,
        voicemail,
    ):
        app.include_router(pages.router)
    app.include_router(api_v1, prefix="/api/v1")
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    return app
