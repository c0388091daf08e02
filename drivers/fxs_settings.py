"""Settings of an FXS port: G.711 law, ringing, hook timing, feed and alarm limits.

`FxsSettings.from_profile(profile)` takes the parts of a country profile (anything shaped
like `firmware.countries.CountryProfile`) that a port needs, so the drivers stay free of
the configuration package.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from drivers.hook import HookTimings
from drivers.si3215_regs import (
    BATTERY_HIGH_MAX_CODE,
    LOOP_CURRENT_LIMIT_MAX_MA,
    LOOP_CURRENT_LIMIT_MIN_MA,
    PROGRAM_VOLTS_PER_LSB,
    RING_OVERHEAD_VOLTS,
)

RING_FREQUENCY_RANGE_HZ = (15.0, 50.0)
MAX_RING_AMPLITUDE_VPK = BATTERY_HIGH_MAX_CODE * PROGRAM_VOLTS_PER_LSB - RING_OVERHEAD_VOLTS
MESSAGE_WAITING_MODES = ("neon", "reversal", "none")


@dataclass(frozen=True)
class FxsSettings:
    """How one FXS port behaves (defaults suit most countries; see `from_profile`).

    `message_waiting` says what `FxsPort.set_message_waiting(True)` drives on an idle line:
    "neon" a high-voltage trapezoid that flashes a neon lamp, "reversal" a reversed idle
    polarity (for phones with a polarity-sensing lamp), "none" nothing on the line (the
    engine signals waiting messages in the caller-ID data instead).
    """

    law: str = "ulaw"
    ring_frequency_hz: float = 20.0
    ring_amplitude_vpk: float = 75.0
    debounce_ms: int = 12
    pulse_break_ms: tuple[int, int] = (20, 90)
    pulse_make_ms: tuple[int, int] = (20, 90)
    interdigit_ms: int = 300
    flash_ms: tuple[int, int] = (100, 800)
    loop_current_ma: int = 20
    on_hook_transmission_ms: int = 6000  # after ringing stops, for caller ID and MWI data
    message_waiting: str = "neon"
    max_power_alarms: int = 10  # restored this many times (one forgiven per interval)…
    power_alarm_forgive_s: float = 10.0  # …before the port gives up and fails
    pcm_start_count_offset: int = 0  # bit clocks a hat adds before timeslot 0

    def __post_init__(self) -> None:
        if self.law not in ("ulaw", "alaw"):
            raise ValueError(f"unknown G.711 law {self.law!r}: use 'ulaw' or 'alaw'")
        low, high = RING_FREQUENCY_RANGE_HZ
        if not low <= self.ring_frequency_hz <= high:
            raise ValueError(
                f"ring frequency {self.ring_frequency_hz} Hz is outside {low:g}-{high:g} Hz"
            )
        if not 0 < self.ring_amplitude_vpk <= MAX_RING_AMPLITUDE_VPK:
            raise ValueError(
                f"ring amplitude {self.ring_amplitude_vpk} V peak is outside "
                f"0-{MAX_RING_AMPLITUDE_VPK:g} V (the ProSLIC's battery limit)"
            )
        if not LOOP_CURRENT_LIMIT_MIN_MA <= self.loop_current_ma <= LOOP_CURRENT_LIMIT_MAX_MA:
            raise ValueError(
                f"loop current {self.loop_current_ma} mA is outside "
                f"{LOOP_CURRENT_LIMIT_MIN_MA}-{LOOP_CURRENT_LIMIT_MAX_MA} mA"
            )
        if self.message_waiting not in MESSAGE_WAITING_MODES:
            raise ValueError(
                f"unknown message-waiting mode {self.message_waiting!r}: use one of "
                + ", ".join(MESSAGE_WAITING_MODES)
            )
        if self.max_power_alarms < 1 or self.power_alarm_forgive_s <= 0:
            raise ValueError("max_power_alarms must be ≥ 1 and power_alarm_forgive_s > 0")
        if self.on_hook_transmission_ms < 0:
            raise ValueError("on_hook_transmission_ms must not be negative")
        self.hook_timings  # noqa: B018 - validates the hook windows

    @property
    def hook_timings(self) -> HookTimings:
        return HookTimings(
            debounce_ms=self.debounce_ms,
            pulse_break_ms=tuple(self.pulse_break_ms),  # type: ignore[arg-type]
            pulse_make_ms=tuple(self.pulse_make_ms),  # type: ignore[arg-type]
            interdigit_ms=self.interdigit_ms,
            flash_ms=tuple(self.flash_ms),  # type: ignore[arg-type]
        )

    @classmethod
    def from_profile(cls, profile: Any, **overrides: Any) -> FxsSettings:
        """Settings from a country profile (law, ringing, hook timing), then `overrides`."""
        hook = profile.hook
        values: dict[str, Any] = {
            "law": profile.g711_law,
            "ring_frequency_hz": float(profile.ringing.frequency_hz),
            "ring_amplitude_vpk": float(profile.ringing.amplitude_vpk),
            "debounce_ms": hook.debounce_ms,
            "pulse_break_ms": tuple(hook.pulse_break_ms),
            "pulse_make_ms": tuple(hook.pulse_make_ms),
            "interdigit_ms": hook.interdigit_ms,
            "flash_ms": tuple(hook.flash_ms),
        }
        known = {field.name for field in fields(cls)}
        unknown = set(overrides) - known
        if unknown:
            raise TypeError(f"unknown FXS settings: {', '.join(sorted(unknown))}")
        values.update(overrides)
        return cls(**values)
