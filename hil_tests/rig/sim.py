"""SimRig: the Rig API on the simulated hat, with the engine as its own process.

The engine runs as `python -m firmware engine --fast` (simulated hat, virtual time) on a
data directory of the rig's own. The rig reaches it only from outside: the control API,
including the requests that operate the simulated world (a virtual phone on each FXS port,
a virtual exchange on each FXO port). Waits and recordings are single requests timed on the
engine's clock, which runs faster than real time.
"""

from __future__ import annotations

import base64
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from firmware.config import ConfigStore
from firmware.config.document import validate
from hil_tests.rig.api import (
    CallerId,
    ExchangeEmulator,
    LoopReading,
    Party,
    PhoneEmulator,
    Rig,
    RigError,
    RigTimeout,
    Ringing,
    UnitControl,
)
from hil_tests.rig.control import ControlConnection
from hil_tests.rig.mailbox import ADDRESS as MAILBOX_ADDRESS
from hil_tests.rig.mailbox import HOST as MAILBOX_HOST
from hil_tests.rig.mailbox import RigMailbox

IDLE_STEP_S = 5.0
STARTUP_TIMEOUT_S = 90.0  # real seconds: a loaded machine starts the engine slowly
ROOT = Path(__file__).resolve().parents[2]


def _pcm(samples: np.ndarray) -> str:
    return base64.b64encode(np.asarray(samples, dtype="<i2").tobytes()).decode("ascii")


class _SimParty(Party):
    kind: str

    def __init__(self, rig: SimRig, port: int, label: str) -> None:
        self._rig = rig
        self.port = port
        self.label = label  # as the cases name ports: fxs0…, fxo0…

    def _ask(self, op: str, **fields: Any) -> Any:
        return self._rig.control.request(op, kind=self.kind, port=self.port, **fields)

    def _wait(self, until: str, timeout_s: float, what: str, value: Any = None) -> float:
        result = self._ask("rig_wait", until=until, value=value, timeout_s=timeout_s)
        if not result["met"]:
            raise RigTimeout(f"{self.label}: no {what} within {timeout_s:g} s")
        return float(result["waited_s"])

    def play(
        self, sound: float | tuple[float, ...] | np.ndarray | None, level_dbm0: float = -10
    ) -> None:
        if isinstance(sound, np.ndarray):
            self._rig.control.request("sim_speak", kind=self.kind, port=self.port, pcm=_pcm(sound))
        elif isinstance(sound, tuple):
            self._rig.control.request(
                "sim_speak",
                kind=self.kind,
                port=self.port,
                pcm=_pcm(_tone(sound, 10, level_dbm0)),
            )
        else:
            self._rig.control.request("sim_tone", kind=self.kind, port=self.port, hz=sound)

    def record(
        self,
        seconds: float,
        *,
        source: Party | None = None,
        hz: float | None = None,
        level_dbm0: float = -10,
        samples: np.ndarray | None = None,
    ) -> np.ndarray:
        play = None
        if source is not None:
            if not isinstance(source, _SimParty):
                raise RigError("the source must be a party of the same rig")
            play = {"kind": source.kind, "port": source.port, "hz": hz, "level_dbm0": level_dbm0}
            if samples is not None:
                play["pcm"] = _pcm(samples)
        result = self._ask("rig_record", seconds=seconds, play=play)
        return np.frombuffer(base64.b64decode(result["pcm"]), dtype="<i2").astype(np.int16)

    def wait_tone(self, name: str, timeout_s: float = 5) -> None:
        self._wait("tone", timeout_s, f"{name} tone", name)


def _tone(frequencies: tuple[float, ...], seconds: float, level_dbm0: float) -> np.ndarray:
    from hil_tests.rig.measure import sine

    return sine(frequencies, seconds, level_dbm0)


class SimPhone(_SimParty, PhoneEmulator):
    kind = "phone"

    def _act(self, action: str, **fields: Any) -> Any:
        return self._rig.control.request("sim_phone", port=self.port, action=action, **fields)

    def off_hook(self) -> None:
        self._act("off_hook")

    def on_hook(self) -> None:
        self._act("on_hook")

    def flash(self) -> None:
        self._act("flash")
        self._rig.idle(1.0)

    def dial(self, digits: str) -> None:
        self._act("dial", digits=digits)
        self._rig.idle(0.2 * len(digits) + 0.1)  # 100 ms tone + 100 ms pause per key

    def dial_pulse(self, digits: str) -> None:
        self._act("dial_pulse", digits=digits)
        pulses = sum(10 if d == "0" else int(d) for d in digits if d.isdigit())
        self._rig.idle(0.1 * pulses + 0.8 * len(digits) + 0.2)  # 10 pps, 800 ms between digits

    def wait_ringing(self, timeout_s: float = 10) -> None:
        self._wait("ringing", timeout_s, "ringing")

    def wait_ring_stops(self, timeout_s: float = 10) -> None:
        self._wait("not_ringing", timeout_s, "end of ringing")

    def watch_ringing(self, seconds: float) -> Ringing:
        result = self._rig.control.request("rig_watch_ringing", port=self.port, seconds=seconds)
        return Ringing(result["cadence_ms"], result["frequency_hz"], result["amplitude_vpk"])

    def wait_caller_id(self, timeout_s: float = 10) -> CallerId:
        self._wait("caller_id", timeout_s, "caller ID")
        shown = self._rig.control.request("rig_caller_id", port=self.port)
        return CallerId(shown["number"], shown["name"], shown["standard"])


class SimExchange(_SimParty, ExchangeEmulator):
    kind = "line"

    def ring(
        self,
        number: str | None = None,
        name: str | None = None,
        *,
        standard: str | None = None,
        cadence_ms: tuple[int, ...] | None = None,
        max_rings: int | None = None,
    ) -> None:
        self._rig.control.request(
            "rig_ring_line",
            port=self.port,
            number=number,
            name=name,
            standard=standard,
            cadence_ms=list(cadence_ms) if cadence_ms else None,
            max_rings=max_rings,
        )

    def wait_seized(self, timeout_s: float = 10) -> None:
        self._wait("seized", timeout_s, "seizure")

    def wait_released(self, timeout_s: float = 10) -> None:
        self._wait("released", timeout_s, "release")

    def digits(self) -> str:
        state = self._rig.control.request("sim_state")
        return str(state["lines"][str(self.port)]["digits_received"])

    def wait_digits(self, count: int, timeout_s: float = 10) -> str:
        try:
            self._wait("digits", timeout_s, f"{count} dialled digits", count)
        except RigTimeout as error:
            raise RigTimeout(f"{error}; received {self.digits()!r}") from None
        return self.digits()

    def press(self, digits: str) -> None:
        self._rig.control.request("rig_line_action", port=self.port, action="press", digits=digits)

    def reverse_polarity(self) -> None:
        self._rig.control.request("rig_line_action", port=self.port, action="reverse_polarity")

    def disconnect(self, method: str = "loop") -> None:
        self._rig.control.request("sim_line", port=self.port, action="hang_up", method=method)

    def answer(self) -> None:
        """The called party of an outgoing call answers."""
        self._rig.control.request("sim_line", port=self.port, action="answer")

    def loop(self) -> LoopReading:
        result = self._rig.control.request("rig_line_loop", port=self.port)
        return LoopReading(result["seized"], result["loop_current_ma"], result["dc_volts"])


class SimUnit(UnitControl):
    def __init__(self, rig: SimRig) -> None:
        self._rig = rig

    def reachable(self) -> bool:
        try:
            self._rig.control.request("status")
        except (RigError, OSError):
            return False
        return True

    def status(self) -> dict[str, Any]:
        return dict(self._rig.control.request("status"))

    def history(self, limit: int = 20) -> list[dict[str, Any]]:
        result = self._rig.control.request("history", limit=limit)
        return list(result["calls"] if isinstance(result, dict) else result)

    def clock_s(self) -> float:
        return float(self._rig.control.request("rig_clock")["monotonic"])

    def power_cycle(self) -> float:
        self._rig._stop_engine(signal.SIGKILL)  # power cut: no orderly shutdown
        return self._rig._start_engine()

    def serial_number(self) -> str:
        # The unit reports the hat it read from the EEPROM in its status.
        serial = self.status().get("hat", {}).get("serial")
        return str(serial) if serial else "unknown"


VOICEMAIL_AFTER_S = 20.0  # longer than the ring-cadence case watches the last port's bell
# Outside callers whose number starts so are routed to the rig's call centre, or greeted
# by a menu (where a fax machine's calling tone is listened for); every other outside
# caller rings the first extension.
CALL_CENTRE_CALLERS = "5557"
MENU_CALLERS = "5558"
CALL_CENTRE_MEMBERS = (1, 2)  # FXS positions: the second and third extensions
FAX_ADDRESS = "fax@rig.example"


def _routing(document: dict[str, Any], first: str) -> None:
    """Scenarios of the acceptance setup: the first extension, the rig's call centre, and
    a greeting menu that hands over to the call centre."""
    extensions = [employee["extension"] for employee in document["employees"]]
    members = [{"extension": extensions[i]} for i in CALL_CENTRE_MEMBERS]
    centre = {"type": "call_centre", "call_centre": "rig", "exits": {}}
    routing = document["routing"]
    routing["call_centres"] = [
        {"id": "rig", "name": "Rig", "strategy": "ring_all", "members": members,
         "answer_s": 30.0, "caller_hears": "ringback"}
    ]  # fmt: skip
    routing["scenarios"] = [
        {"id": "first", "name": "First extension", "start": "ring",
         "operations": {"ring": {"type": "extension", "extension": first}}},
        {"id": "centre", "name": "Call centre", "start": "centre",
         "operations": {"centre": centre}},
        {"id": "menu", "name": "Greeting", "start": "greeting",
         "operations": {
             "greeting": {"type": "menu", "prompt": "menu_sales_support",
                          "keys": {"1": "centre"}, "exits": {"timeout": "centre"}},
             "centre": centre}},
    ]  # fmt: skip
    inbound = routing["inbound"]
    inbound["default_scenario"] = "first"
    inbound["by_caller_prefix"] = [
        {"prefix": CALL_CENTRE_CALLERS, "scenario": "centre"},
        {"prefix": MENU_CALLERS, "scenario": "menu"},
    ]
    inbound["detect_fax"] = True


def acceptance_config(mail_port: int | None = None) -> dict[str, Any]:
    """The unit under test's known setup: the default configuration with every outside call
    ringing the first extension, but for callers of CALL_CENTRE_CALLERS (the rig's call
    centre, CALL_CENTRE_MEMBERS ring together) and of MENU_CALLERS (a greeting menu that
    listens for a fax machine's calling tone). With the rig's mailbox, the last extension
    takes a message when unanswered and mails it there, and faxes go there too."""
    from firmware.config.defaults import default_config

    document = default_config().model_dump(mode="json")
    first = document["employees"][0]["extension"]
    for port in document["hat"]["ports"]:
        if port["kind"] == "fxo":
            port["inbound"] = []  # routed: the scenarios below decide
    _routing(document, first)
    if mail_port is not None:
        document["email"].update(
            host=MAILBOX_HOST, port=mail_port, security="none", from_address="unit@rig.example"
        )
        document["routing"]["inbound"]["fax_email"] = [FAX_ADDRESS]
        last = document["employees"][-1]
        forwarding = last["calls"]["forwarding"]
        forwarding["no_answer_after_s"] = VOICEMAIL_AFTER_S
        forwarding["no_answer"]["action"] = "voicemail"
        box = {"id": last["extension"], "owner": last["extension"], "recipients": [MAILBOX_ADDRESS]}
        document["voicemail"]["boxes"] = [box]
    return document


class SimRig(Rig):
    """The Rig API on a simulated unit (engine subprocess on virtual time)."""

    name = "sim"

    def __init__(self, config: dict[str, Any] | None = None, data_dir: Path | None = None) -> None:
        self._own_dir = data_dir is None
        self.data_dir = Path(tempfile.mkdtemp(prefix="hil-sim-")) if data_dir is None else data_dir
        self.mailbox: RigMailbox | None = None
        if config is None:
            self.mailbox = RigMailbox()
            config = acceptance_config(self.mailbox.port)
        if config is not None:
            config_dir = self.data_dir / "config"
            config_dir.mkdir(parents=True, exist_ok=True)
            ConfigStore(config_dir).save(validate(config))
        self._process: subprocess.Popen[bytes] | None = None
        self._log = self.data_dir / "engine.log"
        self.control: ControlConnection
        try:
            self._start_engine()
            state = self.control.request("sim_state")
        except BaseException:
            self.close()
            raise
        self.fxs: list[PhoneEmulator] = [
            SimPhone(self, int(p), f"fxs{i}")
            for i, p in enumerate(sorted(state["phones"], key=int))
        ]
        self.fxo: list[ExchangeEmulator] = [
            SimExchange(self, int(p), f"fxo{i}")
            for i, p in enumerate(sorted(state["lines"], key=int))
        ]
        self.unit = SimUnit(self)

    @property
    def socket_path(self) -> Path:
        return self.data_dir / "run" / "control.sock"

    def _start_engine(self) -> float:
        env = dict(os.environ, SWITCHBOARD_DATA=str(self.data_dir), SWITCHBOARD_HAL="sim")
        env.pop("SWITCHBOARD_SOCKET", None)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        self.socket_path.unlink(missing_ok=True)
        began = time.monotonic()
        with open(self._log, "ab") as log:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "firmware", "engine", "--fast"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
            )
        while not self._answers():
            if self._process.poll() is not None:
                raise RigError(f"the engine exited at start:\n{self.engine_log()[-3000:]}")
            if time.monotonic() - began > STARTUP_TIMEOUT_S:
                raise RigError(f"the engine did not answer in {STARTUP_TIMEOUT_S:g} s")
            time.sleep(0.05)  # real time: waiting for a process to start
        self.control = ControlConnection(self.socket_path)
        return self.control.request("rig_clock")["monotonic"]

    def _answers(self) -> bool:
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(str(self.socket_path))
        except OSError:
            return False
        finally:
            probe.close()
        return True

    def _stop_engine(self, signal_number: int = signal.SIGTERM) -> None:
        if getattr(self, "control", None) is not None:
            self.control.close()
        process = self._process
        if process is not None and process.poll() is None:
            process.send_signal(signal_number)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._process = None

    def engine_log(self) -> str:
        return self._log.read_text(errors="replace") if self._log.exists() else ""

    def idle(self, seconds: float) -> None:
        # A recording nobody reads is the engine-clock wait the control API offers; in
        # steps, so a slow engine on a loaded host answers each within the socket timeout.
        left = seconds
        while left > 0:
            step = min(left, IDLE_STEP_S)
            self.control.request("rig_record", kind="phone", port=self.fxs[0].port, seconds=step)
            left -= step

    def inject_fault(self, fault: str, port: int, **options: Any) -> None:
        self.control.request("rig_fault", fault=fault, port=port, kind="line", **options)

    def close(self) -> None:
        self._stop_engine()
        if self.mailbox is not None:
            self.mailbox.close()
            self.mailbox = None
        if self._own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)
