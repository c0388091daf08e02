"""The fixture's firmware under MicroPython, wired to a simulated unit, behind a
pseudo-terminal: a serial rig without hardware.

    python -m hil_tests.virtual_fixture      # prints the device path; Ctrl-C stops it

What is real: the fixture firmware (`hil_tests/fixture/`), unchanged, in the MicroPython
interpreter (WebAssembly port in Node); the host's SerialRig and its pyserial port; the
line protocol over a pseudo-terminal. What is simulated: the fixture's board. Its fake
board (`hil_tests/fixture/fake_board.py`) sends every relay and audio output to this
harness, which acts with them on the simulated unit's world through the control API, the
same one SimRig uses (a hook relay lifts a virtual phone; key tones the firmware computes
are spoken into its mouthpiece; the ring relay puts ring voltage on an exchange line and
the caller ID the firmware modulates goes onto it); inputs (ring detector, loop current,
the line's DTMF receiver, the caller-ID receiver) are what the world's devices show.

Time is virtual and shared: the simulated unit's clock is held and moved only when every
task of the fixture waits for a timer, to that timer, so the fixture measures the unit's
timing exactly as a real fixture would, on the unit's clock. While no command from the host
is outstanding, the clock stands still: the host never loses time between two commands.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import subprocess
import sys
import tempfile
import threading
import tty
from pathlib import Path
from typing import Any

from hil_tests.micropython import ROOT, check_installed
from hil_tests.rig.control import ControlConnection
from hil_tests.rig.sim import SimRig

FIXTURE_DIR = Path(__file__).with_name("fixture")
RUNNER = ROOT / "hil_tests/micropython/fixture.mjs"
FIXTURE_PORTS = 2  # the fixture board has 2 phone and 2 exchange interfaces
MAIN = """
import aio
import fixture
from fake_board import FakeBoard
await aio.create_task(fixture.main(FakeBoard()))
"""


class VirtualFixture:
    """Start with `with VirtualFixture() as fixture:`; `fixture.device` is the serial port,
    `fixture.unit_socket` the simulated unit's control API."""

    def __init__(self, unit: SimRig | None = None) -> None:
        check_installed()
        self._own_unit = unit is None
        self.unit = SimRig() if unit is None else unit
        self.unit_socket = self.unit.socket_path
        self.fxs = [phone.port for phone in self.unit.fxs[:FIXTURE_PORTS]]
        self.fxo = [line.port for line in self.unit.fxo[:FIXTURE_PORTS]]
        self._control = ControlConnection(self.unit_socket)
        self._control.request("rig_hold", hold=True)
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self.device = os.ttyname(self._slave)
        self._stop_read, self._stop_write = os.pipe()
        self.now_ms = 0
        self._engine_s = 0.0  # the unit's clock when the fixture's read now_ms
        self.steps = 0
        self.outstanding = 0  # commands the host sent that have no reply yet
        self._from_host = ""
        self._from_fixture = ""
        self._cursors: dict[int, int | None] = {}
        self._workdir = Path(tempfile.mkdtemp(prefix="hil-fixture-"))
        (self._workdir / "main.py").write_text(MAIN)
        self.log_path = self._workdir / "fixture.log"
        to_fixture_r, self._to_fixture = os.pipe()
        self._from_fixture_fd, from_fixture_w = os.pipe()
        command = [
            "node",
            str(RUNNER),
            "--link-in",
            str(to_fixture_r),
            "--link-out",
            str(from_fixture_w),
            "--mount",
            f"{ROOT / 'aio'}=/lib/aio",
            "--mount",
            f"{FIXTURE_DIR}=/lib",
            str(self._workdir / "main.py"),
        ]
        with open(self.log_path, "wb") as log:
            self._node = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=(to_fixture_r, from_fixture_w),
            )
        os.close(to_fixture_r)
        os.close(from_fixture_w)
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._serve, name="virtual-fixture", daemon=True)
        self._thread.start()

    def __enter__(self) -> VirtualFixture:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def fixture_log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def close(self) -> None:
        os.write(self._stop_write, b"x")
        with contextlib.suppress(OSError):
            os.close(self._to_fixture)  # the board is unplugged: the runner exits
        try:
            self._node.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._node.kill()
            self._node.wait()
        self._thread.join(timeout=10)
        for fd in (
            self._from_fixture_fd,
            self._master,
            self._slave,
            self._stop_read,
            self._stop_write,
        ):
            with contextlib.suppress(OSError):
                os.close(fd)
        with contextlib.suppress(Exception):
            self._control.request("rig_hold", hold=False)
        self._control.close()
        if self._own_unit:
            self.unit.close()

    # The link -----------------------------------------------------------------------------

    def _serve(self) -> None:
        pending = b""
        try:
            while True:
                while b"\n" not in pending:
                    chunk = os.read(self._from_fixture_fd, 65536)
                    if not chunk:
                        return
                    pending += chunk
                line, _, pending = pending.partition(b"\n")
                reply = self._handle(json.loads(line))
                os.write(self._to_fixture, json.dumps(reply).encode() + b"\n")
        except OSError:
            return  # closed while shutting down
        except BaseException as error:
            self.error = error
            with contextlib.suppress(OSError):
                os.close(self._to_fixture)

    def _handle(self, message: dict[str, Any]) -> Any:
        op = message["op"]
        if op == "idle":
            return self._advance(int(message["next"]))
        if op == "serial":
            self._to_host(message["text"])
            return {}
        if op == "board":
            return {"fxs": len(self.fxs), "fxo": len(self.fxo)}
        if op == "inputs":
            world = self._control.request("rig_step", seconds=0)
            self._engine_s = world["monotonic"]
            return self._inputs(world)
        request = self._control.request
        if op == "hook":
            action = "off_hook" if message["off_hook"] else "on_hook"
            request("sim_phone", port=self.fxs[message["port"]], action=action)
        elif op == "play":
            pcm = _base64(message["pcm"])
            request("sim_speak", kind="phone", port=self.fxs[message["port"]], pcm=pcm)
        elif op == "listen":
            return self._listen(self.fxs[message["port"]])
        elif op == "line_play":  # caller ID or key tones onto the line
            pcm = _base64(message["pcm"])
            request("rig_line_drive", port=self.fxo[message["line"]], action="signal", pcm=pcm)
        elif op == "ring_relay":
            action = "ring_on" if message["on"] else "ring_off"
            request("rig_line_drive", port=self.fxo[message["line"]], action=action)
        elif op == "withdraw":
            request("rig_line_drive", port=self.fxo[message["line"]], action="withdraw")
        elif op == "disconnect":
            request(
                "sim_line",
                port=self.fxo[message["line"]],
                action="hang_up",
                method=message["method"],
            )
        elif op == "reverse_polarity":
            request("rig_line_action", port=self.fxo[message["line"]], action="reverse_polarity")
        else:
            raise ValueError(f"the fake board asked for {op!r}, which this harness does not wire")
        return {}

    def _listen(self, port: int) -> dict[str, Any]:
        heard = self._control.request(
            "sim_listen", kind="phone", port=port, since=self._cursors.get(port)
        )
        self._cursors[port] = heard["end"]
        return {"pcm": base64.b64decode(heard["pcm"]).hex()}

    def _advance(self, next_ms: int) -> dict[str, Any]:
        serial = self._from_host_waiting(block=self.outstanding == 0)
        self.steps += 1
        if serial:  # the fixture hears the host before any more time passes
            world = self._control.request("rig_step", seconds=0)
        else:
            world = self._control.request(
                "rig_step", seconds=(next_ms - self.now_ms) / 1000, until_change=True
            )
            moved_ms = round((world["monotonic"] - self._engine_s) * 1000)
            self.now_ms = min(next_ms, self.now_ms + moved_ms)
        self._engine_s = world["monotonic"]
        return {"now": self.now_ms, "serial": serial, "inputs": self._inputs(world)}

    def _inputs(self, world: dict[str, Any]) -> dict[str, Any]:
        """The world's inputs by the fixture's own port numbers."""
        return {
            "phones": [world["phones"][str(port)] for port in self.fxs],
            "lines": [world["lines"][str(port)] for port in self.fxo],
        }

    # The serial port ----------------------------------------------------------------------

    def _from_host_waiting(self, *, block: bool) -> str:
        """Bytes the host has written; with `block`, waits (real time) for a whole command."""
        received = ""
        while True:
            ready, _, _ = select.select(
                [self._master, self._stop_read], [], [], None if block else 0
            )
            if self._stop_read in ready:
                raise OSError("the virtual fixture is closing")
            if self._master not in ready:
                return received
            text = os.read(self._master, 4096).decode("utf-8", "replace")
            received += text
            self.outstanding += text.count("\n")
            if self.outstanding > 0:
                block = False

    def _to_host(self, text: str) -> None:
        os.write(self._master, text.encode())
        self._from_fixture += text
        while "\n" in self._from_fixture:
            line, _, self._from_fixture = self._from_fixture.partition("\n")
            if line.startswith(("OK", "ERR")):
                self.outstanding -= 1


def _base64(hex_pcm: str) -> str:
    """Samples from the fake board (hex) as the control API takes them (base64)."""
    return base64.b64encode(bytes.fromhex(hex_pcm)).decode("ascii")


def main() -> int:
    with VirtualFixture() as fixture:
        print(f"fixture on {fixture.device}; unit control API at {fixture.unit_socket}")
        print(
            f"  SWITCHBOARD_SOCKET={fixture.unit_socket} "
            f".venv/bin/pytest hil_tests/cases --rig {fixture.device}"
        )
        sys.stdout.flush()
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
