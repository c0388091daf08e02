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


def with_template(document, template="orders_and_support"):
    """The document with a routing template in place and the lines' own extension lists
    emptied, so outside calls follow the template's scenario."""
    from firmware.config.templates import load_template

    for port in document["hat"]["ports"]:
        if port["kind"] == "fxo":
            port["inbound"] = []  # the line's calls go to the scenario
    routing = load_template(template, country=document["system"]["country"])
    document["routing"] = routing.model_dump(mode="json")
    return document


def leave(data_dir, kind, box, caller, seconds, name=""):
    """A voicemail message or call recording (a 440 Hz tone) as an earlier call left it,
    written through the engine's own store before the engine starts."""
    import numpy as np

    from aio import host
    from firmware.voicemail.audio_store import AudioStore
    from firmware.voicemail.index import CallInfo

    async def record():
        store = AudioStore(data_dir)
        await store.open()
        call = CallInfo(caller_number=caller, caller_name=name)
        recording = await store.begin(kind, box, call, max_s=60)
        t = np.arange(int(seconds * 8000)) / 8000
        recording.recorder.feed((8000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16))
        await store.finish(recording, trim_silence=False)
        await store.close()

    host.run(record())
