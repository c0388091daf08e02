"""sd_notify: what systemd receives on its notification socket."""

import socket

import pytest

from firmware.systemd_notify import SystemdNotifier


@pytest.fixture
def systemd_socket(tmp_path):
    path = tmp_path / "notify"
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    receiver.bind(str(path))
    receiver.setblocking(False)
    yield path, receiver
    receiver.close()


def received(receiver):
    messages = []
    while True:
        try:
            messages.append(receiver.recv(4096).decode())
        except BlockingIOError:
            return messages


def test_no_notify_socket_means_no_notifier():
    assert SystemdNotifier.from_environment({}) is None


def test_ready_carries_the_status_line(systemd_socket):
    path, receiver = systemd_socket
    notifier = SystemdNotifier.from_environment({"NOTIFY_SOCKET": str(path)})
    notifier.ready("6 ports on the simulated hat")
    assert received(receiver) == ["READY=1\nSTATUS=6 ports on the simulated hat"]


def test_the_watchdog_is_petted_at_half_its_time_however_often_the_tick_runs(systemd_socket):
    path, receiver = systemd_socket
    now = [100.0]
    environ = {"NOTIFY_SOCKET": str(path), "WATCHDOG_USEC": "15000000"}
    notifier = SystemdNotifier.from_environment(environ)
    assert notifier.watchdog_interval_s == 7.5
    notifier = SystemdNotifier(str(path), notifier.watchdog_interval_s, clock=lambda: now[0])
    for _tick in range(1000):  # 20 s of 20 ms media ticks
        notifier.pet()
        now[0] += 0.020
    assert received(receiver) == ["WATCHDOG=1"] * 3  # at 0, 7.5 and 15 s


def test_a_watchdog_meant_for_another_process_is_not_petted(systemd_socket):
    path, _receiver = systemd_socket
    environ = {"NOTIFY_SOCKET": str(path), "WATCHDOG_USEC": "15000000", "WATCHDOG_PID": "1"}
    notifier = SystemdNotifier.from_environment(environ, pid=4242)
    assert notifier.watchdog_interval_s is None


def test_systemd_gone_is_no_failure(tmp_path):
    notifier = SystemdNotifier(str(tmp_path / "gone"))
    assert notifier.ready("up") is False
