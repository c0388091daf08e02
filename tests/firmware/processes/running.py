"""Start the real `switchboard` processes for tests, on a temporary data directory."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

STARTUP_TIMEOUT_S = 60.0


def environment(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["SWITCHBOARD_DATA"] = str(data_dir)
    env["SWITCHBOARD_HAL"] = "sim"
    env.pop("SWITCHBOARD_SOCKET", None)
    return env


def control_socket(data_dir: Path) -> Path:
    return data_dir / "run" / "control.sock"


class Process:
    def __init__(self, *arguments: str, data_dir: Path) -> None:
        self.data_dir = data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = data_dir.parent / f"{data_dir.name}-{arguments[0]}.log"
        self._log = open(self.log_path, "a", encoding="utf-8")  # noqa: SIM115 - closed in finish()
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "firmware", *arguments],
            env=environment(data_dir),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def wait_for(self, ready, what: str) -> None:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise AssertionError(f"{what}: process exited\n{self.finish()}")
            if ready():
                return
            time.sleep(0.05)
        raise AssertionError(f"{what}: not ready in {STARTUP_TIMEOUT_S} s")

    def stop(self, signal_number: int = signal.SIGTERM) -> int:
        if self.popen.poll() is None:
            self.popen.send_signal(signal_number)
        self.finish()
        return self.popen.returncode

    def kill(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()
        self.finish()

    @property
    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8")

    def finish(self) -> str:
        try:
            self.popen.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()
        self._log.close()
        return self.output


def answers(socket_path: Path) -> bool:
    """The engine accepts connections (a socket file left by a killed engine does not)."""
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(str(socket_path))
    except OSError:
        return False
    finally:
        probe.close()
    return True


def start_engine(data_dir: Path, *, fast: bool = False) -> Process:
    engine = Process("engine", *(["--fast"] if fast else []), data_dir=data_dir)
    engine.wait_for(lambda: answers(control_socket(data_dir)), "engine")
    return engine
