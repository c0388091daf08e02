"""A real engine process and the web app in this process, reached with a real HTTP client.

The app runs in-process through httpx's ASGI transport (no port to race for); the engine
is the real `switchboard engine` on the simulated hat, so every save is validated and
applied exactly as in production.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi.testclient import TestClient

from firmware.paths import DataPaths
from tests.firmware.processes.running import start_engine
from web_ui.app import create_app
from web_ui.first_boot import FIRST_BOOT_PASSWORD_FILE

ADMIN_PASSWORD = "correct horse battery"
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


@contextmanager
def web_site(tmp_path: Path) -> Iterator[tuple[TestClient, Path]]:
    """An engine, and a client for a web UI whose admin password came with the image."""
    data = tmp_path / "data"
    data.mkdir(parents=True, exist_ok=True)
    (data / FIRST_BOOT_PASSWORD_FILE).write_text(ADMIN_PASSWORD + "\n")
    engine = start_engine(data)
    try:
        with TestClient(create_app(DataPaths(data)), base_url="http://switchboard.local") as client:
            yield client, data
    finally:
        engine.stop()


def form_token(html: str) -> str:
    found = CSRF_INPUT.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def log_in(client: TestClient, username: str = "admin", password: str = ADMIN_PASSWORD) -> str:
    """Log in through the form; returns the session's CSRF token."""
    token = form_token(client.get("/login").text)
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    page = client.get("/me")
    return form_token(page.text)
