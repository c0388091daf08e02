"""The real engine and web processes, and a browser logged in to them, for page tests."""

import asyncio
import socket
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from firmware.control.client import ControlClient
from tests.firmware.processes.running import Process, control_socket, start_engine
from tests.web_ui.site import ADMIN_PASSWORD
from web_ui.first_boot import FIRST_BOOT_PASSWORD_FILE


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answers_http(port):
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def control(data_dir, op, **arguments):
    """A control request from a thread of its own: Playwright owns this thread's loop."""

    async def send():
        async with ControlClient(control_socket(data_dir)) as client:
            return await client.request(op, **arguments)

    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, send()).result()


def port_state(data_dir, index):
    return control(data_dir, "status")["ports"][index]["state"]


def shows(page, selector, text):
    """Wait until the element's text is `text` (the page updates on pushed events)."""
    page.wait_for_function(
        "([selector, text]) => document.querySelector(selector).textContent === text",
        arg=[selector, text],
    )


class EngineAndWeb:
    """The two processes of `switchboard run` on a temporary data directory."""

    def __init__(self, tmp_path):
        self.data = tmp_path / "data"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.data.mkdir(parents=True, exist_ok=True)
        (self.data / FIRST_BOOT_PASSWORD_FILE).write_text(ADMIN_PASSWORD)
        self.engine = start_engine(self.data)
        self.web = None
        self.start_web()

    def start_web(self):
        self.web = Process("web", "--listen", f"127.0.0.1:{self.port}", data_dir=self.data)
        self.web.wait_for(lambda: answers_http(self.port), "web")

    def stop(self):
        self.web.stop()
        self.engine.stop()


def log_in(page, url, username="admin", password=ADMIN_PASSWORD):
    """Open `url` as a person would: the login form first, then the page itself."""
    page.goto(url)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("button[type=submit]")


@contextmanager
def engine_and_web(tmp_path):
    processes = EngineAndWeb(tmp_path)
    try:
        yield processes
    finally:
        processes.stop()
