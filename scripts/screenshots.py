#!/usr/bin/env python3
"""`make screenshots`: the main pages in English and Russian, as PNGs in docs/screenshots/.

It runs a real engine on the simulated hat and the web UI on a temporary data directory,
places a call so the pages have something to show, and photographs each page in Debian's
Chromium.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from firmware.voicemail.index import Kind  # noqa: E402
from tests.firmware.processes.running import Process, start_engine  # noqa: E402
from tests.web_ui.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.web_ui.pbx import answers_http, control, free_port, leave, with_template  # noqa: E402
from web_ui.first_boot import FIRST_BOOT_PASSWORD_FILE  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
PASSWORD = "screenshot pass"
PAGES = [
    ("dashboard", "/"),
    ("employees", "/employees"),
    ("employee", "/employees/101"),
    ("lines", "/lines"),
    ("phones", "/phones"),
    ("scenario", "/scenarios/main"),
    ("history", "/history"),
    ("reports", "/reports"),
    ("voicemail", "/voicemail"),
    ("email", "/email"),
    ("backup", "/backup"),
    ("lab", "/lab"),
    ("my-settings", "/me"),
]


def wait(condition, what: str, seconds: float = 30) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise SystemExit(f"screenshots: {what} did not happen in {seconds} s")


def office_routing(data: Path) -> None:
    """The "orders and support" template on the lines, and a voicemail box for 101."""
    document = with_template(control(data, "get_config"))
    document["voicemail"]["boxes"].append({"id": "101", "name": "Anna", "owner": "101"})
    control(data, "put_config", config=document)


def port_state(data: Path, index: int) -> str:
    return str(control(data, "status")["ports"][index]["state"])


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as temporary:
        data = Path(temporary) / "data"
        data.mkdir()
        (data / FIRST_BOOT_PASSWORD_FILE).write_text(PASSWORD)
        # A message waiting in box 101, left as an earlier call would have left it.
        leave(data, Kind.VOICEMAIL, "101", "4955557788", 3.0, name="IVANOV")
        engine = start_engine(data)
        port = free_port()
        web = Process("web", "--listen", f"127.0.0.1:{port}", data_dir=data)
        try:
            web.wait_for(lambda: answers_http(port), "web")
            office_routing(data)
            # An outside call through the scenario, for the reports.
            control(data, "sim_line", port=4, action="ring", number="4955551234")
            wait(
                lambda: any(
                    c["step"].startswith("main/") for c in control(data, "status")["active_calls"]
                ),
                "the outside call in the scenario",
            )
            control(data, "sim_line", port=4, action="hang_up")
            # A finished call for the history, and one in progress for the dashboard.
            control(data, "sim_phone", port=2, action="off_hook")
            wait(lambda: port_state(data, 2) == "dialling", "dial tone on phone 3")
            control(data, "sim_phone", port=2, action="dial", digits="104")
            wait(lambda: port_state(data, 3) == "ringing", "phone 4 ringing")
            control(data, "sim_phone", port=3, action="off_hook")
            wait(lambda: port_state(data, 2) == "talking", "answer")
            control(data, "sim_phone", port=2, action="on_hook")
            control(data, "sim_phone", port=3, action="on_hook")
            control(data, "sim_phone", port=0, action="off_hook")
            wait(lambda: port_state(data, 0) == "dialling", "dial tone on phone 1")
            control(data, "sim_phone", port=0, action="dial", digits="102")
            wait(lambda: port_state(data, 1) == "ringing", "phone 2 ringing")
            control(data, "sim_phone", port=1, action="off_hook")
            wait(lambda: port_state(data, 0) == "talking", "answer")
            shoot(f"http://127.0.0.1:{port}")
        finally:
            web.stop()
            engine.stop()
    print(f"screenshots: written to {OUT.relative_to(ROOT)}/")
    return 0


def shoot(base: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(f"{base}/login")
        page.fill("input[name=username]", "admin")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        for language in ("en", "ru"):
            page.goto(f"{base}/me")
            page.select_option("select[name=language]", language)
            page.click("form[action='/me/language'] button")
            page.wait_for_load_state()
            for name, path in PAGES:
                page.goto(base + path)
                page.wait_for_load_state("networkidle") if path != "/" else page.wait_for_function(
                    "document.querySelector('#engine-state').dataset.state === 'live'"
                )
                page.screenshot(path=str(OUT / f"{language}-{name}.png"), full_page=True)
        browser.close()


if __name__ == "__main__":
    sys.exit(main())
