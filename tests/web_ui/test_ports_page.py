import asyncio
import socket
from concurrent.futures import ThreadPoolExecutor

import pytest

from firmware.control.client import ControlClient
from tests.firmware.processes.running import Process, control_socket, start_engine
from tests.web_ui.browser import chromium_page

pytestmark = pytest.mark.browser


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


def test_the_ports_page_lists_the_hat_and_follows_a_phone_live(tmp_path):
    data = tmp_path / "data"
    port = free_port()
    engine = start_engine(data)
    web = Process("web", "--listen", f"127.0.0.1:{port}", data_dir=data)
    try:
        web.wait_for(lambda: answers_http(port), "web")
        with chromium_page() as page:
            page.goto(f"http://127.0.0.1:{port}/")
            rows = page.locator("#ports tbody tr")
            assert rows.count() == 6
            assert rows.nth(0).locator("td").all_inner_texts()[:4] == [
                "0",
                "FXS",
                "Phone 1",
                "idle",
            ]
            assert rows.nth(4).locator("td").all_inner_texts()[:4] == ["4", "FXO", "Line 1", "idle"]
            page.wait_for_function("document.querySelector('#engine-state').textContent === 'live'")

            control(data, "sim_phone", port=0, action="off_hook")
            page.wait_for_function(
                "document.querySelector('#port-0 .state').textContent === 'dialling'"
            )
            control(data, "sim_phone", port=0, action="dial", digits="102")
            page.wait_for_function(
                "document.querySelector('#port-1 .state').textContent === 'ringing'"
            )
            assert page.locator("#port-1 .peer").inner_text() == "101"
            control(data, "sim_phone", port=1, action="off_hook")
            page.wait_for_function(
                "document.querySelector('#port-0 .state').textContent === 'talking'"
            )
            assert page.locator("#port-0 .peer").inner_text() == "102"
    finally:
        web.stop()
        engine.stop()
    assert "Traceback" not in web.output


def test_an_open_page_catches_up_with_changes_made_while_the_web_process_was_down(tmp_path):
    data = tmp_path / "data"
    port = free_port()
    engine = start_engine(data)
    web = Process("web", "--listen", f"127.0.0.1:{port}", data_dir=data)
    try:
        web.wait_for(lambda: answers_http(port), "web")
        with chromium_page() as page:
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_function("document.querySelector('#engine-state').textContent === 'live'")
            web.stop()
            page.wait_for_function("document.querySelector('#engine-state').textContent !== 'live'")
            control(data, "sim_phone", port=2, action="off_hook")
            engine.wait_for(lambda: port_state(data, 2) == "dialling", "dial tone")
            control(data, "sim_phone", port=2, action="dial", digits="104")
            engine.wait_for(lambda: port_state(data, 3) == "ringing", "ringing")
            web = Process("web", "--listen", f"127.0.0.1:{port}", data_dir=data)
            web.wait_for(lambda: answers_http(port), "web")
            page.wait_for_function(
                "document.querySelector('#port-3 .state').textContent === 'ringing'"
            )
            assert page.locator("#port-3 .peer").inner_text() == "103"
            assert page.locator("#engine-state").inner_text() == "live"
    finally:
        web.stop()
        engine.stop()
