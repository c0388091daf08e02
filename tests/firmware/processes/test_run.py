import os
import re
import signal
import socket
import urllib.request
from pathlib import Path

import pytest

from tests.firmware.processes.running import Process, answers, control_socket


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def processes_using(data: Path) -> list[int]:
    """Processes whose command line or environment names the data directory."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            seen = (entry / "cmdline").read_bytes() + (entry / "environ").read_bytes()
        except OSError:
            continue
        if str(data).encode() in seen:
            found.append(int(entry.name))
    return found


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGHUP])
def test_run_stops_both_processes_on_sigterm_and_sighup(tmp_path, signal_number):
    data = tmp_path / "data"
    port = free_port()
    run = Process("run", "--listen", f"127.0.0.1:{port}", data_dir=data)
    try:
        run.wait_for(lambda: "Switchboard is running:" in run.output, "switchboard run")
        assert len(processes_using(data)) >= 3  # launcher, engine, web
    finally:
        code = run.stop(signal_number)
    assert code == 0
    assert "engine: stopped" in run.output
    assert "Traceback" not in run.output
    assert processes_using(data) == []


def test_run_serves_the_first_visit_page_and_ctrl_c_stops_both_processes(tmp_path):
    data = tmp_path / "data"
    port = free_port()
    run = Process("run", "--listen", f"127.0.0.1:{port}", data_dir=data)
    try:
        run.wait_for(lambda: "Switchboard is running:" in run.output, "switchboard run")
        url = re.search(r"Switchboard is running: (\S+)", run.output).group(1)
        assert url == f"http://127.0.0.1:{port}/"
        with urllib.request.urlopen(url, timeout=10) as response:
            page = response.read().decode()
            assert response.url.endswith("/setup")  # a new appliance: choose the password
        assert "Welcome to Switchboard" in page
    finally:
        code = run.stop(signal.SIGINT)
    assert code == 0
    assert "Traceback" not in run.output
    assert "engine: stopped" in run.output
    assert not answers(control_socket(data))
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0
