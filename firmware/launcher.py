"""`switchboard run`: the engine and the web UI as two processes, stopped together.

The children run in their own session so a Ctrl-C reaches only this launcher, which then
stops them in order (web first, engine last) and waits for both. The web process is started
as its own program (`python -m web_ui`): nothing on the engine's side imports the web UI.
SIGTERM (systemd, `kill`) and SIGHUP (a closed terminal) stop them the same way, so no
process is left behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

from firmware.paths import DataPaths

STARTUP_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
POLL_INTERVAL_S = 0.1


class _StopRequested(Exception):
    """SIGTERM or SIGHUP arrived: stop like Ctrl-C."""


def _request_stop(signal_number: int, _frame: object) -> None:
    raise _StopRequested(signal.Signals(signal_number).name)


def run_both(paths: DataPaths, listen: str, *, hal: str | None = None) -> int:
    previous = {
        number: signal.signal(number, _request_stop) for number in (signal.SIGTERM, signal.SIGHUP)
    }
    try:
        return _run_both(paths, listen, hal=hal)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _run_both(paths: DataPaths, listen: str, *, hal: str | None) -> int:
    data = ["--data", str(paths.root)]
    engine_command = [sys.executable, "-m", "firmware", "engine", *data]
    if hal:
        engine_command += ["--hal", hal]
    web = web_command(paths, listen)
    engine = subprocess.Popen(engine_command, start_new_session=True)
    web_process: subprocess.Popen[bytes] | None = None
    url = f"http://{listen}/"
    try:
        if not _wait_for(lambda: paths.control_socket.exists(), engine):
            print("switchboard: the engine did not start; see its log above", file=sys.stderr)
            return 1
        web_process = subprocess.Popen(web, start_new_session=True)
        if not _wait_for(lambda: _answers(url), web_process):
            print("switchboard: the web UI did not start; see its log above", file=sys.stderr)
            return 1
        print(f"\nSwitchboard is running: {url}  (Ctrl-C stops it)\n", flush=True)
        while engine.poll() is None and web_process.poll() is None:
            time.sleep(POLL_INTERVAL_S)
        print("switchboard: a process stopped unexpectedly; stopping the other", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, _StopRequested):
        print("\nswitchboard: stopping", flush=True)
        return 0
    finally:
        for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(number, signal.SIG_IGN)  # a second signal must not cut the stop short
        for process in (web_process, engine):
            if process is not None:
                _stop(process)


def web_command(paths: DataPaths, listen: str, log_level: str = "INFO") -> list[str]:
    """The command line of the web process serving `paths` on `listen` (HOST:PORT)."""
    return [
        sys.executable,
        "-m",
        "web_ui",
        "--data",
        str(paths.root),
        "--listen",
        listen,
        "--log-level",
        log_level,
    ]


def _wait_for(ready, process: subprocess.Popen[bytes]) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        if ready():
            return True
        time.sleep(POLL_INTERVAL_S)
    return False


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
