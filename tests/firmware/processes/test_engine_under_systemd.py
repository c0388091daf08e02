"""The engine as the appliance's unit starts it: `--hal auto` under systemd's notify protocol."""

import signal
import socket

from tests.firmware.processes.running import Process, answers, control_socket
from tests.firmware.processes.test_engine_process import request

NOTIFY_WAIT_S = 60.0


def next_message(receiver):
    return receiver.recv(4096).decode()


def test_engine_without_a_hat_runs_the_simulated_hat_notifies_systemd_and_pets_its_watchdog(
    tmp_path, monkeypatch
):
    notify_path = tmp_path / "notify"
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    receiver.bind(str(notify_path))
    receiver.settimeout(NOTIFY_WAIT_S)
    monkeypatch.setenv("NOTIFY_SOCKET", str(notify_path))
    monkeypatch.setenv("WATCHDOG_USEC", "15000000")
    data = tmp_path / "data"
    engine = Process("engine", "--hal", "auto", data_dir=data)
    try:
        ready = next_message(receiver)
        assert answers(control_socket(data))  # ready means the control API answers
        petted = next_message(receiver)
        status = request(data, "status")
        engine.stop(signal.SIGTERM)
        stopping = next_message(receiver)
    finally:
        engine.kill()
        receiver.close()
    assert ready.startswith("READY=1\nSTATUS=6 ports on the simulated hat: no hat found")
    assert petted == "WATCHDOG=1"
    assert status["hat"]["simulated"] is True
    assert status["hat"]["hal"] == "sim"
    assert "no hat found" in status["hat"]["hal_reason"]
    assert stopping == "STOPPING=1"
    assert "engine: hat: sim (no hat found" in engine.output


def test_engine_outside_systemd_sends_nothing_and_runs_as_before(tmp_path, monkeypatch):
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    data = tmp_path / "data"
    engine = Process("engine", data_dir=data)
    try:
        engine.wait_for(lambda: answers(control_socket(data)), "engine")
        status = request(data, "status")
    finally:
        code = engine.stop(signal.SIGTERM)
    assert code == 0
    assert status["hat"]["hal"] == "sim"
    assert "watchdog" not in engine.output
