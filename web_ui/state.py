"""What every route of the web process shares, built once at start."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates

from firmware.paths import DataPaths
from web_ui.auth.store import AccountStore
from web_ui.engine import EngineLink


@dataclass
class WebState:
    paths: DataPaths
    accounts: AccountStore
    engine: EngineLink
    templates: Jinja2Templates
    # The system settings last read from the engine: language and time zone for pages
    # rendered while the engine is briefly away.
    system: dict[str, Any] = field(default_factory=lambda: {"language": "en", "timezone": "UTC"})


def web_state(request: Request) -> WebState:
    state: WebState = request.app.state.web
    return state
