"""What the engine sees of a hat port: events, health and state, shared by FXS and FXO.

The concrete ports are `drivers.fxs.FxsPort` (Si3215) and `drivers.fxo.FxoPort` (Si3050).
Both report through one `EventSink` so the engine reads every port's events from one queue,
and both carry audio as 160-byte G.711 frames through their `drivers.pcm.PcmSlot`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum


class PortKind(Enum):
    FXS = "fxs"
    FXO = "fxo"


class EventKind(Enum):
    # FXS: the phone.
    OFF_HOOK = "off_hook"
    ON_HOOK = "on_hook"
    FLASH = "flash"
    PULSE_DIGIT = "pulse_digit"
    # FXO: the exchange line.
    RING_START = "ring_start"
    RING_STOP = "ring_stop"
    POLARITY = "polarity"
    LOOP_DROP = "loop_drop"
    LINE_LOST = "line_lost"
    LINE_RESTORED = "line_restored"
    # Either: the chip.
    ALARM = "alarm"
    ALARM_CLEARED = "alarm_cleared"
    FAILED = "failed"


@dataclass(frozen=True)
class PortEvent:
    port: int  # port index as listed in the hat EEPROM
    kind: EventKind
    at_ms: int  # aio.ticks_ms() when the event happened (not when it was reported)
    digit: str | None = None  # PULSE_DIGIT only
    detail: str = ""


EventSink = Callable[[PortEvent], None]


class Health(Enum):
    OK = "ok"
    ALARM = "alarm"  # working, but something needs attention (power alarm, no line battery)
    FAILED = "failed"  # out of service; the reason says why


@dataclass
class PortStatus:
    """A snapshot for status pages and `switchboard hw probe`."""

    index: int
    kind: PortKind
    chip: str  # e.g. "Si3215 rev C" or "absent"
    health: Health
    reason: str = ""  # readable, for FAILED and ALARM
    state: str = "idle"  # FXS: idle/off_hook/ringing; FXO: idle/ringing/seized
    measurements: dict[str, float] = field(default_factory=dict)  # volts, milliamps, …
    counters: dict[str, int] = field(default_factory=dict)  # pcm underruns, alarms, …
