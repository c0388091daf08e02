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

The host's audio interface is simulated here too (`audio_socket`, reached with
`SWITCHBOARD_RIG_AUDIO=unix:<path>`): each of its two channels speaks into, and hears, the
phone or line the fixture's audio switch connects it to, through the same control API
(`sim_speak`, `sim_listen`), while the shared clock runs for the length of the transfer.

Time is virtual and shared: the simulated unit's clock is held and moved only when every
task of the fixture waits for a timer, to that timer, so the fixture measures the unit's
timing exactly as a real fixture would, on the unit's clock. While no command from the host
is outstanding, the clock stands still: the host never loses time between two commands.
"""

from __future__ import annotations

import base64
import contextlib
import json
import math
import os
import select
import socket
import subprocess
import sys
import tempfile
import threading
import tty
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hil_tests.micropython import ROOT, check_installed
from hil_tests.rig.control import ControlConnection
from hil_tests.rig.sim import SimRig

FIXTURE_DIR = Path(__file__).with_name("fixture")
RUNNER = ROOT / "hil_tests/micropython/fixture.mjs"
FIXTURE_PORTS = 2  # the fixture board has 2 phone and 2 exchange interfaces
AUDIO_CHANNELS = 2  # the host's audio interface
SAMPLE_RATE_HZ = 8000
SPEAK_CHUNK_MS = 10000  # the control API takes at most 10 s of samples at once
COLLECT_MS = 1000  # the world keeps the last 2 s a party heard: fetch it more often
TRANSFER_TIMEOUT_S = 900.0  # real seconds
MAIN = """
import aio
import fixture
from fake_board import FakeBoard
await aio.create_task(fixture.main(FakeBoard()))
"""


@dataclass
class _Transfer:
    """One play-and-record on the simulated audio interface."""

    out: list[bytes]  # int16 per channel
    frames: int
    start_ms: int | None = None
    routes: list[tuple[str, int] | None] = field(default_factory=list)
    cursors: list[int | None] = field(default_factory=list)
    heard: list[bytearray] = field(default_factory=list)
    spoken_ms: int = 0  # of the output, spoken so far
    result: dict[str, Any] | None = None
    done: threading.Event = field(default_factory=threading.Event)

    @property
    def end_ms(self) -> int:
        return (self.start_ms or 0) + math.ceil(self.frames * 1000 / SAMPLE_RATE_HZ)


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
        self.audio_routes: list[tuple[str, int] | None] = [None] * AUDIO_CHANNELS
        self._transfer: _Transfer | None = None
        self._transfer_lock = threading.Lock()
        self._audio_wake_read, self._audio_wake_write = os.pipe()
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
        self.audio_socket = self._workdir / "audio.sock"
        self._audio_listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._audio_listener.bind(str(self.audio_socket))
        self._audio_listener.listen(4)
        self._thread = threading.Thread(target=self._serve, name="virtual-fixture", daemon=True)
        self._thread.start()
        threading.Thread(target=self._serve_audio, name="virtual-audio", daemon=True).start()

    def __enter__(self) -> VirtualFixture:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def fixture_log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def close(self) -> None:
        os.write(self._stop_write, b"x")
        with contextlib.suppress(OSError):
            self._audio_listener.shutdown(socket.SHUT_RDWR)
        self._audio_listener.close()
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
            self._audio_wake_read,
            self._audio_wake_write,
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
            return {"fxs": len(self.fxs), "fxo": len(self.fxo), "audio": AUDIO_CHANNELS}
        if op == "audio_switch":
            side, position = message["side"], message["port"]
            route = None
            if side is not None:
                route = (
                    ("phone", self.fxs[position]) if side == "FXS" else ("line", self.fxo[position])
                )
            self.audio_routes[message["channel"]] = route
            return {}
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
        serial = self._from_host_waiting(block=self.outstanding == 0 and self._transfer is None)
        transfer = self._transfer
        if transfer is not None and transfer.start_ms is None:
            self._start_transfer(transfer)
        self.steps += 1
        if serial:  # the fixture hears the host before any more time passes
            world = self._control.request("rig_step", seconds=0)
        else:
            target_ms = next_ms if transfer is None else min(next_ms, self._next_audio_ms(transfer))
            world = self._control.request(
                "rig_step", seconds=(target_ms - self.now_ms) / 1000, until_change=True
            )
            moved_ms = round((world["monotonic"] - self._engine_s) * 1000)
            self.now_ms = min(target_ms, self.now_ms + moved_ms)
        self._engine_s = world["monotonic"]
        if transfer is not None:
            self._carry_on(transfer)
        return {"now": self.now_ms, "serial": serial, "inputs": self._inputs(world)}

    # The audio interface ------------------------------------------------------------------

    def _serve_audio(self) -> None:
        """Transfers from the host, one JSON line each (`hil_tests.rig.audio`)."""
        while True:
            try:
                connection, _ = self._audio_listener.accept()
            except OSError:
                return
            threading.Thread(
                target=self._audio_client, args=(connection,), name="virtual-audio", daemon=True
            ).start()

    def _audio_client(self, connection: socket.socket) -> None:
        with connection, connection.makefile("rb") as reader:
            for line in reader:
                try:
                    request = json.loads(line)
                    out = [bytes.fromhex(pcm) for pcm in request["out"]]
                    if len(out) != AUDIO_CHANNELS or len({len(pcm) for pcm in out}) != 1:
                        raise ValueError(f"out needs {AUDIO_CHANNELS} channels of equal length")
                    reply = self._transfer_audio(_Transfer(out, len(out[0]) // 2))
                except (ValueError, KeyError, TypeError) as error:
                    reply = {"error": str(error)}
                with contextlib.suppress(OSError):
                    connection.sendall(json.dumps(reply).encode() + b"\n")

    def _transfer_audio(self, transfer: _Transfer) -> dict[str, Any]:
        with self._transfer_lock:  # one transfer at a time, like one stream on the interface
            self._transfer = transfer
            os.write(self._audio_wake_write, b"x")
            finished = transfer.done.wait(TRANSFER_TIMEOUT_S)
            self._transfer = None
        if not finished or transfer.result is None:
            return {"error": "the virtual fixture stopped during an audio transfer"}
        return transfer.result

    def _start_transfer(self, transfer: _Transfer) -> None:
        transfer.start_ms = self.now_ms
        transfer.routes = list(self.audio_routes)
        transfer.heard = [bytearray() for _ in transfer.routes]
        transfer.cursors = []
        for route in transfer.routes:
            cursor = None
            if route is not None:
                kind, port = route
                cursor = self._control.request("sim_listen", kind=kind, port=port)["end"]
            transfer.cursors.append(cursor)
        self._speak(transfer)

    def _speak(self, transfer: _Transfer) -> None:
        """The next piece of each channel's output, into the party it is switched to."""
        begin = transfer.spoken_ms * SAMPLE_RATE_HZ // 1000 * 2
        end = begin + SPEAK_CHUNK_MS * SAMPLE_RATE_HZ // 1000 * 2
        for route, pcm in zip(transfer.routes, transfer.out, strict=True):
            piece = pcm[begin:end]
            if route is not None and piece.strip(b"\0"):
                kind, port = route
                encoded = base64.b64encode(piece).decode("ascii")
                self._control.request("sim_speak", kind=kind, port=port, pcm=encoded)
        transfer.spoken_ms += SPEAK_CHUNK_MS

    def _next_audio_ms(self, transfer: _Transfer) -> int:
        start = transfer.start_ms or 0
        stops = [self.now_ms + COLLECT_MS, start + transfer.spoken_ms, transfer.end_ms]
        if self.now_ms >= transfer.end_ms:  # the last block still on its way to the ear
            stops.append(self.now_ms + 10)
        return min(stop for stop in stops if stop > self.now_ms)

    def _carry_on(self, transfer: _Transfer) -> None:
        start = transfer.start_ms or 0
        for index, route in enumerate(transfer.routes):
            if route is None:
                continue
            kind, port = route
            heard = self._control.request(
                "sim_listen", kind=kind, port=port, since=transfer.cursors[index]
            )
            transfer.heard[index] += base64.b64decode(heard["pcm"])
            transfer.cursors[index] = heard["end"]
        if (
            self.now_ms >= start + transfer.spoken_ms
            and transfer.spoken_ms < transfer.end_ms - start
        ):
            self._speak(transfer)
        wanted = transfer.frames * 2
        complete = all(
            route is None or len(heard) >= wanted
            for route, heard in zip(transfer.routes, transfer.heard, strict=True)
        )
        if self.now_ms >= transfer.end_ms and complete:
            heard_in = [
                bytes(heard[:wanted]) if route is not None else bytes(wanted)
                for route, heard in zip(transfer.routes, transfer.heard, strict=True)
            ]
            transfer.result = {"in": [pcm.hex() for pcm in heard_in]}
            self._transfer = None
            transfer.done.set()

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
                [self._master, self._stop_read, self._audio_wake_read], [], [], None if block else 0
            )
            if self._stop_read in ready:
                raise OSError("the virtual fixture is closing")
            if self._audio_wake_read in ready:
                os.read(self._audio_wake_read, 64)
                block = False  # an audio transfer needs the clock to run
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
        print(f"audio interface at unix:{fixture.audio_socket}")
        print(
            f"  SWITCHBOARD_SOCKET={fixture.unit_socket} "
            f"SWITCHBOARD_RIG_AUDIO=unix:{fixture.audio_socket} "
            f".venv/bin/pytest hil_tests/cases --rig {fixture.device}"
        )
        sys.stdout.flush()
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
