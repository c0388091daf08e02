import re
import signal
import socket
import urllib.request

from tests.firmware.processes.running import Process, answers, control_socket


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_run_serves_the_ports_page_and_ctrl_c_stops_both_processes(tmp_path):
    data = tmp_path / "data"
    port = free_port()
    run = Process("run", "--listen", f"127.0.0.1:{port}", data_dir=data)
    try:
        run.wait_for(lambda: "Switchboard is running:" in run.output, "switchboard run")
        url = re.search(r"Switchboard is running: (\S+)", run.output).group(1)
        assert url == f"http://127.0.0.1:{port}/"
        with urllib.request.urlopen(url, timeout=10) as response:
            page = response.read().decode()
        assert page.count('class="state">idle<') == 6
        assert "Phone 1" in page and "Line 2" in page
    finally:
        code = run.stop(signal.SIGINT)
    assert code == 0
    assert "Traceback" not in run.output
    assert "engine: stopped" in run.output
    assert not answers(control_socket(data))
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0
