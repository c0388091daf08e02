"""The Rig API: what a test (or a technician's script) can do to a unit through a rig.

A rig has a phone emulator on each FXS port (`rig.fxs[i]`), an exchange emulator on each FXO
port (`rig.fxo[i]`) and control of the unit itself (`rig.unit`). Every method is blocking and
returns once the rig has done it; waits take a timeout on the rig's clock (virtual on the
simulated rig) and raise `RigTimeout` with what was awaited. Audio is int16 at 8 kHz.

    from hil_tests.rig import open_rig

    with open_rig("sim") as rig:
        rig.fxs[0].off_hook()
        rig.fxs[0].wait_tone("dial")
        rig.fxs[0].dial("102")
        rig.fxs[1].wait_ringing()
"""

from __future__ import annotations

import abc
import time
from dataclasses import dataclass
from typing import Any

import numpy as np


class RigError(Exception):
    """The rig cannot do what was asked (bad argument, fixture fault, unsupported)."""


class RigTimeout(RigError):
    """Something awaited did not happen within its timeout."""


@dataclass(frozen=True)
class CallerId:
    number: str | None
    name: str | None
    standard: str


@dataclass(frozen=True)
class Ringing:
    """A bell watched for a while: on/off durations in ms (on first), frequency, voltage."""

    cadence_ms: list[int]
    frequency_hz: float | None
    amplitude_vpk: float | None


@dataclass(frozen=True)
class LoopReading:
    seized: bool
    loop_current_ma: float
    dc_volts: float


class Party(abc.ABC):
    """One end of the wires the rig holds: it can talk (play) and listen (record)."""

    port: int

    @abc.abstractmethod
    def play(
        self, sound: float | tuple[float, ...] | np.ndarray | None, level_dbm0: float = -10
    ) -> None:
        """Keep sounding a tone (Hz, or several Hz), samples, or nothing (None)."""

    @abc.abstractmethod
    def record(
        self,
        seconds: float,
        *,
        source: Party | None = None,
        hz: float | None = None,
        level_dbm0: float = -10,
        samples: np.ndarray | None = None,
    ) -> np.ndarray:
        """What this party hears for `seconds`. With `source` and `hz`, the source starts
        sounding that tone at the first recorded sample (for delay and path measurements);
        with `source` and `samples`, it starts playing those (a fax machine's calling tone)."""

    @abc.abstractmethod
    def wait_tone(self, name: str, timeout_s: float = 5) -> None:
        """Until the country's tone `name` (dial, ringback, busy, …) is heard."""


class PhoneEmulator(Party):
    """A telephone on an FXS port."""

    @abc.abstractmethod
    def off_hook(self) -> None: ...

    @abc.abstractmethod
    def on_hook(self) -> None: ...

    @abc.abstractmethod
    def flash(self) -> None:
        """A hook flash (register recall)."""

    @abc.abstractmethod
    def dial(self, digits: str) -> None:
        """Keys pressed: DTMF audio into the mouthpiece; returns after the last tone."""

    @abc.abstractmethod
    def dial_pulse(self, digits: str) -> None:
        """Rotary dialling: loop breaks; returns after the last pulse."""

    @abc.abstractmethod
    def wait_ringing(self, timeout_s: float = 10) -> None: ...

    @abc.abstractmethod
    def wait_ring_stops(self, timeout_s: float = 10) -> None: ...

    @abc.abstractmethod
    def watch_ringing(self, seconds: float) -> Ringing:
        """Watch the bell for `seconds` and report its cadence."""

    @abc.abstractmethod
    def wait_caller_id(self, timeout_s: float = 10) -> CallerId:
        """Until a new caller-ID message is shown; returns it."""


class ExchangeEmulator(Party):
    """The exchange behind an FXO port."""

    @abc.abstractmethod
    def ring(
        self,
        number: str | None = None,
        name: str | None = None,
        *,
        standard: str | None = None,
        cadence_ms: tuple[int, ...] | None = None,
        max_rings: int | None = None,
    ) -> None:
        """Offer an incoming call: ring with `cadence_ms`, sending caller ID by `standard`."""

    @abc.abstractmethod
    def wait_seized(self, timeout_s: float = 10) -> None: ...

    @abc.abstractmethod
    def wait_released(self, timeout_s: float = 10) -> None: ...

    @abc.abstractmethod
    def digits(self) -> str:
        """Digits the unit dialled on this line since it was last seized."""

    @abc.abstractmethod
    def wait_digits(self, count: int, timeout_s: float = 10) -> str: ...

    @abc.abstractmethod
    def press(self, digits: str) -> None:
        """The far party presses keys: DTMF audio down the line."""

    @abc.abstractmethod
    def reverse_polarity(self) -> None: ...

    @abc.abstractmethod
    def disconnect(self, method: str = "loop") -> None:
        """The far end clears: "loop" (battery break), "polarity" or "busy" (tone)."""

    @abc.abstractmethod
    def loop(self) -> LoopReading:
        """The line's DC state as the exchange sees it."""


class UnitControl(abc.ABC):
    @abc.abstractmethod
    def reachable(self) -> bool:
        """The unit's control API answers."""

    @abc.abstractmethod
    def status(self) -> dict[str, Any]: ...

    @abc.abstractmethod
    def history(self, limit: int = 20) -> list[dict[str, Any]]: ...

    def clock_s(self) -> float:
        """Seconds on the rig's clock: real time on a bench (a simulated unit has its own)."""
        return time.monotonic()

    @abc.abstractmethod
    def power_cycle(self) -> float:
        """Cut power and restore it; returns seconds until the control API answers again."""

    @abc.abstractmethod
    def serial_number(self) -> str:
        """The hat's serial number from its EEPROM."""


class Rig(abc.ABC):
    name: str
    fxs: list[PhoneEmulator]
    fxo: list[ExchangeEmulator]
    unit: UnitControl

    def __enter__(self) -> Rig:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @abc.abstractmethod
    def close(self) -> None: ...

    @abc.abstractmethod
    def idle(self, seconds: float) -> None:
        """Let `seconds` pass on the rig's clock."""

    def inject_fault(self, fault: str, port: int, **options: Any) -> None:
        """Break something (simulated rigs only): dead_slic, no_line, echo, gain."""
        raise RigError(f"the {self.name} rig cannot inject faults")
