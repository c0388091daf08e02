"""SerialRig: the Rig API on a fixture that speaks `hil_tests/PROTOCOL.md` over a serial
port (USB CDC on the RP2040 board, or the pseudo-terminal of `hil_tests.virtual_fixture`).

Every wait runs on the fixture's clock: the rig sends one command and the fixture answers
when it has seen the thing or its timeout has passed. The unit itself is reached through
its control API (the socket `SWITCHBOARD_SOCKET` names, else the data directory's), for
its status and history and for the tone plan of its country.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import serial

from firmware.countries import load_country
from firmware.paths import DataPaths
from hil_tests.fixture.protocol import NAME, VERSION, escape, parse_reply
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
from hil_tests.rig.audio import AudioInterface, open_audio_interface
from hil_tests.rig.control import ControlConnection
from hil_tests.rig.measure import SAMPLE_RATE_HZ, sine

BAUD_RATE = 115200  # USB CDC ignores it; a UART bridge needs it
REPLY_MARGIN_S = 30.0  # real seconds a reply may take beyond the wait it covers
MAX_FIXTURE_RECORD_S = 2.0  # the fixture's own earpiece buffer (RECORD)
LISTENING, TALKING = 0, 1  # the audio interface's channels as the rig uses them
AUDIO_MISSING = (
    "this serial rig plays audio (and records while another party plays) through the rig's "
    "audio interface: set SWITCHBOARD_RIG_AUDIO to its sounddevice name or index "
    "(python -m sounddevice lists them)"
)


class SerialRig(Rig):
    name = "serial"

    def __init__(
        self,
        device: str,
        *,
        unit_socket: str | None = None,
        audio: AudioInterface | None = None,
    ) -> None:
        try:
            self._port = serial.Serial(device, BAUD_RATE, timeout=REPLY_MARGIN_S)
        except (serial.SerialException, OSError) as error:
            raise RigError(f"{device}: cannot open the fixture's serial port: {error}") from None
        self.device = device
        self.events: list[str] = []
        self.data = b""
        self._port.reset_input_buffer()
        _, words, options = self.command("HELLO")
        if words[:2] != [NAME.upper(), str(VERSION)]:
            self.close()
            raise RigError(
                f"{device}: not a {NAME} of protocol version {VERSION} (it says {' '.join(words)})"
            )
        self.fxs: list[PhoneEmulator] = [SerialPhone(self, i) for i in range(int(options["fxs"]))]
        self.fxo: list[ExchangeEmulator] = [
            SerialExchange(self, i) for i in range(int(options["fxo"]))
        ]
        self.audio_channels = int(options.get("audio", 0))
        self._audio_given = audio
        self._audio: AudioInterface | None = None
        self.control_unit = ControlUnit(unit_socket or str(DataPaths.resolve().control_socket))
        self.unit = self.control_unit

    def command(self, line: str, wait_s: float = 0) -> tuple[str, list[str], dict[str, str]]:
        """Send one command; its reply as (kind, words, options). `ERR TIMEOUT` raises
        RigTimeout, any other `ERR` RigError; events met on the way are kept in `events`,
        the bytes of DATA lines before the reply in `data`."""
        self._port.timeout = REPLY_MARGIN_S + 2 * wait_s
        self._port.write(line.encode() + b"\n")
        data = bytearray()
        self.data = b""
        while True:
            raw = self._port.readline()
            if not raw.endswith(b"\n"):
                raise RigError(f"{self.device}: no reply to {line!r} (is the fixture powered?)")
            text = raw.decode("utf-8", "replace").strip()
            kind, words, options = parse_reply(text)
            if kind == "EVT":
                self.events.append(text)
                continue
            if kind == "DATA":
                data += bytes.fromhex(words[0])
                continue
            if kind == "OK":
                self.data = bytes(data)
                return kind, words, options
            if kind == "ERR":
                message = text.split(" ", 2)[2] if len(words) > 1 else text
                raise (RigTimeout if words[:1] == ["TIMEOUT"] else RigError)(message)
            raise RigError(f"{self.device}: unexpected line {text!r} in reply to {line!r}")

    def close(self) -> None:
        if self._audio is not None:
            self._audio.close()
        self._port.close()

    def audio(self) -> AudioInterface:
        """The audio interface, opened on first use."""
        if self._audio is None:
            self._audio = self._audio_given or open_audio_interface()
            if self._audio is None:
                raise RigError(AUDIO_MISSING)
        if self.audio_channels < 2:
            raise RigError(
                f"{self.device}: the fixture has no audio switch for two channels "
                f"(it says audio={self.audio_channels}); it needs firmware with AUDIO"
            )
        return self._audio

    def play_record(
        self, listener: _SerialParty, seconds: float, talker: _SerialParty | None, sound: Any
    ) -> np.ndarray:
        """What `listener` hears for `seconds` while `talker` sends `sound` from the first
        sample: the audio switch puts the listener on one channel of the interface and the
        talker (when another port) on the other, and opens both again afterwards."""
        audio = self.audio()
        frames = round(seconds * SAMPLE_RATE_HZ)
        out = np.zeros((frames, audio.channels), dtype=np.int16)
        channel = TALKING if talker is not None and talker is not listener else LISTENING
        if talker is not None and sound is not None:
            spoken = np.asarray(sound, dtype=np.int16)[:frames]
            out[: len(spoken), channel] = spoken
        self.command(f"AUDIO {LISTENING} {listener.kind} {listener.port}")
        try:
            if channel == TALKING and talker is not None:
                self.command(f"AUDIO {TALKING} {talker.kind} {talker.port}")
            heard = audio.play_record(out)
        finally:
            for each in (LISTENING, TALKING):
                self.command(f"AUDIO {each} OFF")
        return np.asarray(heard[:, LISTENING], dtype=np.int16)

    def idle(self, seconds: float) -> None:
        self.command(f"IDLE {round(seconds * 1000)}", seconds)


def _ms(seconds: float) -> int:
    return max(0, round(seconds * 1000))


class _SerialParty(Party):
    kind: str

    def __init__(self, rig: SerialRig, port: int) -> None:
        self._rig = rig
        self.port = port

    def _do(self, verb: str, wait_s: float = 0) -> tuple[str, list[str], dict[str, str]]:
        return self._rig.command(f"{self.kind} {self.port} {verb}", wait_s)

    def play(
        self, sound: float | tuple[float, ...] | np.ndarray | None, level_dbm0: float = -10
    ) -> None:
        if sound is not None:
            raise RigError(
                "the serial rig sends audio only while it records: use "
                "record(seconds, source=party, samples=...) to play and listen at once"
            )

    def record(
        self,
        seconds: float,
        *,
        source: Party | None = None,
        hz: float | None = None,
        level_dbm0: float = -10,
        samples: np.ndarray | None = None,
    ) -> np.ndarray:
        if source is None and self.kind == "FXS" and seconds <= MAX_FIXTURE_RECORD_S:
            self._do(f"RECORD {_ms(seconds)}", seconds)
            return np.frombuffer(self._rig.data, dtype="<i2").astype(np.int16)
        if source is not None and not (
            isinstance(source, _SerialParty) and source._rig is self._rig
        ):
            raise RigError("the source must be a party of the same rig")
        sound = samples
        if source is not None and samples is None and hz is not None:
            sound = sine(hz, seconds, level_dbm0)
        return self._rig.play_record(self, seconds, source, sound)

    def wait_tone(self, name: str, timeout_s: float = 5) -> None:
        tones = self._rig.control_unit.tones()
        if name not in tones:
            raise RigError(f"the unit's country has no {name!r} tone; it has {', '.join(tones)}")
        spec = tones[name]
        hz = "+".join(f"{f:g}" for f in spec.frequencies)
        cadence = "/".join(str(ms) for ms in spec.cadence_ms)
        self._do(f"WAIT TONE {_ms(timeout_s)} hz={hz} cadence={cadence}", timeout_s)


class SerialPhone(_SerialParty, PhoneEmulator):
    kind = "FXS"

    def off_hook(self) -> None:
        self._do("OFFHOOK")

    def on_hook(self) -> None:
        self._do("ONHOOK")

    def flash(self) -> None:
        self._do("FLASH")

    def dial(self, digits: str) -> None:
        self._do(f"DIAL {digits}", 0.2 * len(digits))

    def dial_pulse(self, digits: str) -> None:
        self._do(f"PULSE {digits}", 2 * len(digits))

    def wait_ringing(self, timeout_s: float = 10) -> None:
        self._do(f"WAIT RING {_ms(timeout_s)}", timeout_s)

    def wait_ring_stops(self, timeout_s: float = 10) -> None:
        self._do(f"WAIT NORING {_ms(timeout_s)}", timeout_s)

    def watch_ringing(self, seconds: float) -> Ringing:
        _, _, options = self._do(f"WATCH RING {_ms(seconds)}", seconds)
        cadence = options["cadence"]
        return Ringing(
            [int(ms) for ms in cadence.split("/")] if cadence != "-" else [],
            float(options["hz"]) if "hz" in options else None,
            float(options["vpk"]) if "vpk" in options else None,
        )

    def wait_caller_id(self, timeout_s: float = 10) -> CallerId:
        _, _, options = self._do(f"WAIT CID {_ms(timeout_s)}", timeout_s)
        return CallerId(options.get("number"), options.get("name"), options["standard"])


class SerialExchange(_SerialParty, ExchangeEmulator):
    kind = "FXO"

    def ring(
        self,
        number: str | None = None,
        name: str | None = None,
        *,
        standard: str | None = None,
        cadence_ms: tuple[int, ...] | None = None,
        max_rings: int | None = None,
    ) -> None:
        fields = []
        if cadence_ms:
            fields.append("cadence=" + "/".join(str(ms) for ms in cadence_ms))
        if number or name:
            fields.append(f"cid={standard or 'bell202'}")
        if number:
            fields.append(f"number={escape(number)}")
        if name:
            fields.append(f"name={escape(name)}")
        if max_rings is not None:
            fields.append(f"max={max_rings}")
        self._do(" ".join(["RING", *fields]))

    def wait_seized(self, timeout_s: float = 10) -> None:
        self._do(f"WAIT SEIZED {_ms(timeout_s)}", timeout_s)

    def wait_released(self, timeout_s: float = 10) -> None:
        self._do(f"WAIT RELEASED {_ms(timeout_s)}", timeout_s)

    def digits(self) -> str:
        return self._do("DIGITS")[2]["keys"]

    def wait_digits(self, count: int, timeout_s: float = 10) -> str:
        return self._do(f"WAIT DIGITS {_ms(timeout_s)} count={count}", timeout_s)[2]["keys"]

    def press(self, digits: str) -> None:
        self._do(f"PRESS {digits}", 0.2 * len(digits))

    def reverse_polarity(self) -> None:
        self._do("POLARITY")

    def disconnect(self, method: str = "loop") -> None:
        self._do(f"DISCONNECT method={method}")

    def loop(self) -> LoopReading:
        _, _, options = self._do("LOOP")
        return LoopReading(options["seized"] == "1", float(options["ma"]), float(options["volts"]))


class ControlUnit(UnitControl):
    """The unit under test through its control API."""

    def __init__(self, socket_path: str) -> None:
        self.socket_path = socket_path
        self._connection: ControlConnection | None = None
        self._tones: dict[str, Any] | None = None

    def _request(self, op: str, **fields: Any) -> Any:
        if self._connection is None:
            try:
                self._connection = ControlConnection(self.socket_path)  # type: ignore[arg-type]
            except OSError as error:
                raise RigError(
                    f"the unit's control API at {self.socket_path} does not answer ({error}); "
                    "set SWITCHBOARD_SOCKET to its socket"
                ) from None
        return self._connection.request(op, **fields)

    def tones(self) -> dict[str, Any]:
        """The call-progress tones of the unit's country."""
        if self._tones is None:
            country = self._request("get_config")["system"]["country"]
            self._tones = dict(load_country(country).tones)
        return self._tones

    def reachable(self) -> bool:
        try:
            self._request("status")
        except (RigError, OSError):
            return False
        return True

    def status(self) -> dict[str, Any]:
        return dict(self._request("status"))

    def history(self, limit: int = 20) -> list[dict[str, Any]]:
        result = self._request("history", limit=limit)
        return list(result["calls"] if isinstance(result, dict) else result)

    def power_cycle(self) -> float:
        raise RigError("this fixture has no power relay for the unit")

    def serial_number(self) -> str:
        hat = self.status().get("hat") or {}
        return str(hat.get("serial") or "unknown")
