"""The analog side of the emulated ProSLIC: battery, feed voltages, loop current, ringing.

Pure functions of the register values and the loop, so the emulator can compute what its
sense registers read at the moment they are read. The model, in the chip's own units:
- the DC-DC converter ramps the battery linearly to the programmed high battery (reg 74,
  1.5 V steps) and, once switched off, the battery capacitor discharges exponentially
  (slowly through the converter's own load; fast through a leak on the loop);
- in an active state the loop sits at the on-hook voltage (reg 72) above the common-mode
  voltage (reg 73) until the phone closes it; then a constant current at the loop current
  limit (reg 71) flows through the phone and the copper, `LOOP_RESISTANCE_OHMS` in all;
- the sense registers report tip, ring and battery as magnitudes below ground
  (376 mV steps) and the loop current in 1.1 mA steps;
- the sine ring oscillator is decoded back from its coefficient and amplitude words with the
  inverse of the resonator formula, the trapezoid (neon lamp) from its amplitude and period.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from drivers.sim.analog import Linefeed

SENSE_VOLTS_PER_LSB = 0.376
LOOP_CURRENT_MA_PER_LSB = 1.1
PROGRAM_VOLTS_PER_LSB = 1.5
RING_OSCILLATOR_RATE_HZ = 1000.0
RING_FULL_SCALE_VOLTS = 96.0
TRAPEZOID_SAMPLE_RATE_HZ = 8000.0

BATTERY_RAMP_VOLTS_PER_S = 375.0  # 0 to 75 V in 200 ms
BATTERY_HOLD_TAU_S = 5.0  # converter off, healthy loop: the capacitor holds its charge
BATTERY_LEAK_TAU_S = 0.02  # converter off, shorted loop
BATTERY_STUCK_VOLTS = 4.0  # converter that never starts: roughly the input supply
LOOP_RESISTANCE_OHMS = 300.0  # telephone off-hook plus the copper pair
FEED_OVERHEAD_VOLTS = 4.0  # drop across the linefeed transistors
NEON_STRIKE_VOLTS = 70.0  # a neon message-waiting lamp needs about this much to light


@dataclass
class Battery:
    """The battery voltage, piecewise: ramping towards a target, or decaying."""

    volts: float = 0.0
    since: float = 0.0
    converter_on: bool = False
    target: float = 0.0
    ramps: bool = True
    leak: bool = False

    def at(self, now: float) -> float:
        elapsed = max(0.0, now - self.since)
        if self.converter_on:
            target = self.target if self.ramps else min(self.target, BATTERY_STUCK_VOLTS)
            if self.volts >= target:
                return target
            return min(target, self.volts + BATTERY_RAMP_VOLTS_PER_S * elapsed)
        tau = BATTERY_LEAK_TAU_S if self.leak else BATTERY_HOLD_TAU_S
        return self.volts * math.exp(-elapsed / tau)

    def rebase(self, now: float) -> None:
        """Start a new piece at `now` from the voltage reached so far."""
        self.volts = self.at(now)
        self.since = now


@dataclass(frozen=True)
class FeedReading:
    tip_volts: float  # magnitudes below ground
    ring_volts: float
    loop_current_ma: float


def feed_reading(
    state: Linefeed,
    off_hook: bool,
    battery_volts: float,
    on_hook_volts: float,
    common_mode_volts: float,
    current_limit_ma: float,
) -> FeedReading:
    """What the sense registers see for this linefeed state and hook switch."""
    if state is Linefeed.OPEN or battery_volts <= 0:
        return FeedReading(0.0, 0.0, 0.0)
    if state is Linefeed.RINGING:
        middle = battery_volts / 2  # balanced ringing swings around half the battery
        return FeedReading(middle, middle, 0.0)
    headroom = max(0.0, battery_volts - common_mode_volts - FEED_OVERHEAD_VOLTS)
    if off_hook and state not in (Linefeed.TIP_OPEN, Linefeed.RING_OPEN):
        current_ma = min(current_limit_ma, 1000.0 * headroom / LOOP_RESISTANCE_OHMS)
        loop_volts = current_ma / 1000.0 * LOOP_RESISTANCE_OHMS
    else:
        current_ma = 0.0
        loop_volts = min(on_hook_volts, headroom)
    near, far = common_mode_volts, common_mode_volts + loop_volts
    if state is Linefeed.TIP_OPEN:
        return FeedReading(0.0, far, 0.0)
    if state is Linefeed.RING_OPEN:
        return FeedReading(near, 0.0, 0.0)
    if state.reversed:
        return FeedReading(far, near, current_ma)
    return FeedReading(near, far, current_ma)


@dataclass(frozen=True)
class RingOutput:
    frequency_hz: float
    amplitude_vpk: float  # sine ringing reaching the ringer; 0 for the trapezoid
    lamp_volts: float  # trapezoid peak (neon lamp); 0 for sine ringing


def ring_output(
    oscillator: int, amplitude: int, phase: int, trapezoid: bool, battery_volts: float
) -> RingOutput:
    """Decode the ringing oscillator words into what appears on the loop."""
    if trapezoid:
        peak = amplitude * RING_FULL_SCALE_VOLTS / 32768
        period_s = 2 * phase / TRAPEZOID_SAMPLE_RATE_HZ
        frequency = 1 / period_s if period_s > 0 else 0.0
        return RingOutput(frequency, 0.0, min(peak, battery_volts))
    coefficient = oscillator / 32768
    if not -1 < coefficient < 1:
        return RingOutput(0.0, 0.0, 0.0)
    frequency = math.acos(coefficient) * RING_OSCILLATOR_RATE_HZ / (2 * math.pi)
    scale = 0.25 * math.sqrt((1 - coefficient) / (1 + coefficient)) * 32768
    peak = amplitude / scale * RING_FULL_SCALE_VOLTS if scale > 0 else 0.0
    return RingOutput(frequency, min(peak, battery_volts), 0.0)


def sense_code(volts: float) -> int:
    return max(0, min(255, round(volts / SENSE_VOLTS_PER_LSB)))


def current_code(milliamps: float) -> int:
    return max(0, min(255, round(milliamps / LOOP_CURRENT_MA_PER_LSB)))
