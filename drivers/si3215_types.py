"""What the Si3215 driver reports: its errors, chip identity, measurements and interrupts.

Every bring-up step that can fail has its own `Si3215Error` subclass; the message says what
a technician should check, and `drivers.fxs.FxsPort` shows it as the port's FAILED reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from drivers import si3215_regs as r


class Si3215Error(Exception):
    """A chip fault found while bringing the ProSLIC up or running it."""


class ChipAbsentError(Si3215Error):
    """No ProSLIC answers on this chip select."""


class ChipInsaneError(Si3215Error):
    """Something answers, but not with a ProSLIC's reset values."""


class IndirectAccessError(Si3215Error):
    """The indirect-register interface stayed busy."""


class BatteryRampError(Si3215Error):
    """The DC-DC converter never brought the battery up."""


class LoopLeakageError(Si3215Error):
    """The battery drained too fast with the converter off: a short or leak on the loop."""


class CalibrationError(Si3215Error):
    """Calibration never finished, even on a second attempt."""


class IndirectVerifyError(Si3215Error):
    """Indirect registers read back different values from those written."""


@dataclass(frozen=True)
class ChipInfo:
    part: str  # "Si3215" or "Si3210"
    revision: int  # 1 = A, 2 = B, …

    @property
    def si3215(self) -> bool:
        return self.part == "Si3215"

    def __str__(self) -> str:
        return f"{self.part} rev {chr(ord('A') + self.revision - 1)}"


@dataclass(frozen=True)
class Measurements:
    battery_volts: float  # negative: the battery sits below ground
    tip_volts: float
    ring_volts: float
    loop_current_ma: float

    @property
    def loop_volts(self) -> float:
        """Tip-to-ring voltage (positive in forward polarity)."""
        return self.tip_volts - self.ring_volts


@dataclass(frozen=True)
class InterruptStatus:
    timers: int  # reg 18
    loop: int  # reg 19
    other: int  # reg 20

    @property
    def ring_trip(self) -> bool:
        return bool(self.loop & r.RING_TRIP_BIT)

    @property
    def loop_closure(self) -> bool:
        return bool(self.loop & r.LOOP_CLOSURE_BIT)

    @property
    def power_alarm(self) -> int:
        """Bit mask of the transistors (bit 0 = Q1) whose power alarm fired."""
        return (self.loop & r.POWER_ALARM_BITS) >> 2

    def __bool__(self) -> bool:
        return bool(self.timers or self.loop or self.other)


@dataclass
class ProslicConfig:
    """What the bring-up needs to know beyond the chip itself."""

    ring_frequency_hz: float = 20.0
    ring_amplitude_vpk: float = 75.0
    loop_current_ma: int = 20
