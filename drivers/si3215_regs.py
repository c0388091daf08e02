"""Register map of the Si3210/Si3215 ProSLIC: addresses, bits, scales and the indirect table.

Shared by the chip driver (`drivers.si3215`) and read by nobody else above it. Direct
registers are 8 bits wide and reached with one command byte plus one data byte; indirect
registers are 16 bits wide and reached through registers 28-31. The Si3215 keeps the
Si3210's direct registers but packs its indirect registers at other addresses (it has no
DTMF decoder and no pulse-metering generator), so every indirect register is named here
by its Si3210 address and carries its Si3215 address beside it.

Bit meanings that the driver depends on, and where they come from:
- reg 19 bit 0 ring trip, bit 1 loop closure, bits 2-7 the six power-alarm transistors;
  status bits clear when a 1 is written back; an interrupt is pending while a status bit is
  set and its enable bit (regs 21-23) is set, and the INT pin is then driven low.
- reg 64 low three bits are the linefeed written, bits 4-6 the linefeed the chip is in.
- reg 68 bit 0 loop closure, bit 1 ring trip.
- reg 67 bit 0 lets a power alarm open the linefeed, bit 1 lets a ring trip switch ringing
  to active, bit 2 handles loop closure automatically, bits 3-4 switch batteries by
  themselves (kept off: an automatic battery switch can overheat the external transistor).
The ring-oscillator formula is the one the ProSLIC documentation gives for the 1 kHz
ringing oscillator; `tests/drivers/test_si3215_regs.py` checks it against published
register values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import IntEnum

# --- direct registers -------------------------------------------------------------------
SPI_MODE = 0  # bits 5:4 part number, bits 3:0 revision
PCM_MODE = 1
PCM_TX_START_LOW = 2
PCM_TX_START_HIGH = 3
PCM_RX_START_LOW = 4
PCM_RX_START_HIGH = 5
AUDIO_LOOPBACK = 8  # reads 0x02 after reset; the driver clears it, so non-zero means "reset"
AUDIO_GAIN = 9
HYBRID = 11  # reads 0x33 after reset
POWER_DOWN_1 = 14
INTERRUPT_STATUS_1 = 18  # oscillator and ring timers
INTERRUPT_STATUS_2 = 19  # ring trip, loop closure, power alarms
INTERRUPT_STATUS_3 = 20  # DTMF, indirect access, common-mode balance
INTERRUPT_ENABLE_1 = 21
INTERRUPT_ENABLE_2 = 22
INTERRUPT_ENABLE_3 = 23
INDIRECT_DATA_LOW = 28
INDIRECT_DATA_HIGH = 29
INDIRECT_ADDRESS = 30
INDIRECT_STATUS = 31  # bit 0: an indirect access is still in progress
RING_OSCILLATOR_CONTROL = 34
RING_ACTIVE_TIMER_LOW = 48
RING_ACTIVE_TIMER_HIGH = 49
RING_INACTIVE_TIMER_LOW = 50
RING_INACTIVE_TIMER_HIGH = 51
LINEFEED = 64
BATTERY_FEED_CONTROL = 66
AUTO_MANUAL_CONTROL = 67
LOOP_STATUS = 68
LOOP_CLOSURE_DEBOUNCE = 69
RING_TRIP_DEBOUNCE = 70
LOOP_CURRENT_LIMIT = 71
ON_HOOK_VOLTAGE = 72
COMMON_MODE_VOLTAGE = 73
BATTERY_HIGH_VOLTAGE = 74
BATTERY_LOW_VOLTAGE = 75
LOOP_CURRENT_SENSE = 79
TIP_VOLTAGE_SENSE = 80
RING_VOLTAGE_SENSE = 81
BATTERY_HIGH_SENSE = 82
BATTERY_LOW_SENSE = 83
DCDC_PWM_PERIOD = 92
DCDC_CONTROL = 93
CALIBRATION_1 = 96
CALIBRATION_2 = 97
CALIBRATION_RESULTS = range(98, 108)
DC_PEAK_CALIBRATION = 107
ENHANCEMENT = 108
LAST_DIRECT_REGISTER = 108
RESERVED_DIRECT = frozenset(
    {7, 12, 13, 16, 17, 25, 26, 27, *range(52, 63), 90, 91, 95}
)  # not implemented: left out of register dumps

# --- bits -------------------------------------------------------------------------------
SPI_READ = 0x80  # command byte: register | 0x80 reads, register & 0x7F writes
PART_SI3215_FLAG = 0x80  # reg 1 bit 7 reads 1 on an Si3215
PCM_ENABLE = 0x20
PCM_FORMAT_ALAW = 0x00
PCM_FORMAT_ULAW = 0x08
PCM_FORMAT_MASK = 0x18
POWER_DOWN_DCDC = 0x10
INDIRECT_BUSY = 0x01
RING_TRIP_BIT = 0x01  # reg 19 and reg 68
LOOP_CLOSURE_BIT = 0x02  # reg 19
LOOP_STATUS_CLOSED = 0x01  # reg 68
LOOP_STATUS_RING_TRIP = 0x02  # reg 68
POWER_ALARM_BITS = 0xFC  # reg 19 bits 2-7: transistors Q1..Q6
LINEFEED_MASK = 0x07
LINEFEED_ACTUAL_SHIFT = 4
AUTO_POWER_ALARM_OPEN = 0x01
AUTO_RING_TRIP = 0x02
AUTO_LOOP_CLOSURE = 0x04
AUTO_CONTROL_SAFE = AUTO_POWER_ALARM_OPEN | AUTO_RING_TRIP | AUTO_LOOP_CLOSURE
RING_TRAPEZOID = 0x01  # reg 34: trapezoid waveform instead of a sine
RING_TIMERS_ENABLE = 0x18  # reg 34: ring active and inactive timers
CALIBRATION_START = 0x40  # reg 96
CALIBRATE_ALL_1 = 0x1F  # reg 96 selects (with CALIBRATION_START)
CALIBRATE_ALL_2 = 0x1F  # reg 97 selects
DCDC_CALIBRATE = 0x80  # reg 93, clears itself
DCDC_ENGAGE = 0x19  # reg 93 switching delay value once the converter is up

# --- reset values the driver checks to recognise a sane chip ----------------------------
RESET_AUDIO_LOOPBACK = 0x02
RESET_HYBRID = 0x33
RESET_LINEFEED = 0x00

# --- scales -----------------------------------------------------------------------------
SENSE_VOLTS_PER_LSB = 0.376  # regs 80-83: magnitude below ground
LOOP_CURRENT_MA_PER_LSB = 1.1  # reg 79
PROGRAM_VOLTS_PER_LSB = 1.5  # regs 72-75
LOOP_CURRENT_LIMIT_MIN_MA = 20
LOOP_CURRENT_LIMIT_MAX_MA = 41
LOOP_CURRENT_LIMIT_STEP_MA = 3
BATTERY_HIGH_MAX_CODE = 0x3F  # 94.5 V
BATTERY_POWERED_CODE = 0xC0  # reg 82 at or above this (≈72 V): the converter is up
BATTERY_LEAK_CODE = 0x06  # reg 82 below this during the leak test (≈2.3 V): a short
DC_PEAK_VALID = range(0x02, 0x0E)
DC_PEAK_DEFAULT = 0x08
RING_OSCILLATOR_RATE_HZ = 1000.0  # the ringing oscillator runs at 1 kHz
RING_FULL_SCALE_VOLTS = 96.0
RING_OVERHEAD_VOLTS = 10.0  # battery needed above the ring peak
TRAPEZOID_SAMPLE_RATE_HZ = 8000.0


class LinefeedState(IntEnum):
    """Register 64 linefeed states."""

    OPEN = 0
    FORWARD_ACTIVE = 1
    FORWARD_ON_HOOK_TRANSMISSION = 2
    TIP_OPEN = 3
    RINGING = 4
    REVERSE_ACTIVE = 5
    REVERSE_ON_HOOK_TRANSMISSION = 6
    RING_OPEN = 7

    def with_polarity(self, reversed_: bool) -> LinefeedState:
        """The same state with forward or reverse polarity (bit 2), where that exists."""
        if self in (LinefeedState.FORWARD_ACTIVE, LinefeedState.REVERSE_ACTIVE):
            return LinefeedState.REVERSE_ACTIVE if reversed_ else LinefeedState.FORWARD_ACTIVE
        if self in (
            LinefeedState.FORWARD_ON_HOOK_TRANSMISSION,
            LinefeedState.REVERSE_ON_HOOK_TRANSMISSION,
        ):
            return (
                LinefeedState.REVERSE_ON_HOOK_TRANSMISSION
                if reversed_
                else LinefeedState.FORWARD_ON_HOOK_TRANSMISSION
            )
        return self


# --- indirect registers -----------------------------------------------------------------
RING_OSCILLATOR = 20  # RCO
RING_AMPLITUDE = 21  # RNGX
RING_PHASE = 22  # RNGY
RX_DIGITAL_GAIN = 26
TX_DIGITAL_GAIN = 27
RING_TRIP_THRESHOLD = 29
FILTERS_HELD_DURING_POWER_UP = range(35, 40)  # loop-closure, ring-trip and thermal filters
FILTER_HOLD_VALUE = 0x8000
UNITY_DIGITAL_GAIN = 0x4000
RING_TRIP_THRESHOLD_SINE = 0x3600
RING_TRIP_THRESHOLD_NEON = 0x4600


@dataclass(frozen=True)
class IndirectRegister:
    """One indirect register: its Si3210 address, its Si3215 address (None: absent)."""

    address: int
    si3215_address: int | None
    name: str
    value: int  # what the driver loads


INDIRECT_REGISTERS: tuple[IndirectRegister, ...] = (
    IndirectRegister(0, None, "DTMF row 0 peak", 0x55C2),
    IndirectRegister(1, None, "DTMF row 1 peak", 0x51E6),
    IndirectRegister(2, None, "DTMF row 2 peak", 0x4B85),
    IndirectRegister(3, None, "DTMF row 3 peak", 0x4937),
    IndirectRegister(4, None, "DTMF column 1 peak", 0x3333),
    IndirectRegister(5, None, "DTMF forward twist", 0x0202),
    IndirectRegister(6, None, "DTMF reverse twist", 0x0202),
    IndirectRegister(7, None, "DTMF row ratio threshold", 0x0198),
    IndirectRegister(8, None, "DTMF column ratio threshold", 0x0198),
    IndirectRegister(9, None, "DTMF row second harmonic", 0x0611),
    IndirectRegister(10, None, "DTMF column second harmonic", 0x0202),
    IndirectRegister(11, None, "DTMF power minimum", 0x00E5),
    IndirectRegister(12, None, "DTMF hot limit", 0x0A1C),
    IndirectRegister(13, 0, "oscillator 1 coefficient", 0x7B30),
    IndirectRegister(14, 1, "oscillator 1 X", 0x0063),
    IndirectRegister(15, 2, "oscillator 1 Y", 0x0000),
    IndirectRegister(16, 3, "oscillator 2 coefficient", 0x7870),
    IndirectRegister(17, 4, "oscillator 2 X", 0x007D),
    IndirectRegister(18, 5, "oscillator 2 Y", 0x0000),
    IndirectRegister(19, 6, "ring voltage offset", 0x0000),
    IndirectRegister(20, 7, "ring oscillator coefficient", 0x7EFE),
    IndirectRegister(21, 8, "ring amplitude", 0x0193),
    IndirectRegister(22, 9, "ring initial phase", 0x0000),
    IndirectRegister(23, None, "pulse envelope", 0x2000),
    IndirectRegister(24, None, "pulse X", 0x2000),
    IndirectRegister(25, None, "pulse Y", 0x0000),
    IndirectRegister(26, 13, "receive digital gain", UNITY_DIGITAL_GAIN),
    IndirectRegister(27, 14, "transmit digital gain", UNITY_DIGITAL_GAIN),
    IndirectRegister(28, 15, "loop closure threshold", 0x1000),
    IndirectRegister(29, 16, "ring trip threshold", RING_TRIP_THRESHOLD_SINE),
    IndirectRegister(30, 17, "common mode minimum", 0x1000),
    IndirectRegister(31, 18, "common mode maximum", 0x0200),
    IndirectRegister(32, 19, "power alarm Q1/Q2", 0x07C0),
    IndirectRegister(33, 20, "power alarm Q3/Q4", 0x2600),
    IndirectRegister(34, 21, "power alarm Q5/Q6", 0x1B80),
    IndirectRegister(35, 22, "loop closure filter", 0x8000),
    IndirectRegister(36, 23, "ring trip filter", 0x0320),
    IndirectRegister(37, 24, "thermal low-pass Q1/Q2", 0x008C),
    IndirectRegister(38, 25, "thermal low-pass Q3/Q4", 0x0100),
    IndirectRegister(39, 26, "thermal low-pass Q5/Q6", 0x0010),
    IndirectRegister(40, 27, "common mode bias while ringing", 0x0C00),
    IndirectRegister(41, 64, "DC-DC minimum voltage", 0x0C00),
    IndirectRegister(42, None, "DC-DC extra", 0x1000),
    IndirectRegister(43, 66, "loop closure threshold (low)", 0x1000),
)
INDIRECT_BY_ADDRESS = {register.address: register for register in INDIRECT_REGISTERS}


def chip_indirect_address(address: int, si3215: bool) -> int | None:
    """Where indirect register `address` (Si3210 numbering) lives on this part, or None."""
    if not si3215:
        return address
    register = INDIRECT_BY_ADDRESS.get(address)
    return address if register is None else register.si3215_address


# --- ring generator ---------------------------------------------------------------------
@dataclass(frozen=True)
class RingGenerator:
    """Register values for one ringing setting (sine or the neon-lamp trapezoid)."""

    oscillator: int  # IR 20
    amplitude: int  # IR 21
    phase: int  # IR 22
    control: int  # reg 34
    battery_high: int  # reg 74
    ring_trip_threshold: int  # IR 29


def ring_oscillator_coefficients(frequency_hz: float, amplitude_vpk: float) -> tuple[int, int]:
    """IR 20 (frequency) and IR 21 (amplitude) for a sine ring of this frequency and peak.

    The oscillator is a two-pole resonator updated at 1 kHz: the coefficient is the cosine
    of the phase step, and the initial amplitude is scaled so the peak comes out at
    `amplitude_vpk` on a 96 V full scale.
    """
    if not 0 < frequency_hz < RING_OSCILLATOR_RATE_HZ / 4:
        raise ValueError(f"ring frequency {frequency_hz} Hz is outside 0-250 Hz")
    if not 0 < amplitude_vpk <= RING_FULL_SCALE_VOLTS:
        raise ValueError(f"ring amplitude {amplitude_vpk} V is outside 0-96 V peak")
    coefficient = math.cos(2 * math.pi * frequency_hz / RING_OSCILLATOR_RATE_HZ)
    oscillator = round(coefficient * 32768)
    scale = 0.25 * math.sqrt((1 - coefficient) / (1 + coefficient))
    amplitude = round(scale * amplitude_vpk / RING_FULL_SCALE_VOLTS * 32768)
    return oscillator, amplitude


def battery_high_code(volts: float) -> int:
    """Register 74 code for at least `volts` of high battery (1.5 V steps, 94.5 V max)."""
    return min(BATTERY_HIGH_MAX_CODE, math.ceil(volts / PROGRAM_VOLTS_PER_LSB))


def sine_ring_generator(frequency_hz: float, amplitude_vpk: float) -> RingGenerator:
    """Ringing with a sine of this frequency and peak, battery raised to carry it."""
    oscillator, amplitude = ring_oscillator_coefficients(frequency_hz, amplitude_vpk)
    return RingGenerator(
        oscillator=oscillator,
        amplitude=amplitude,
        phase=0,
        control=0x00,
        battery_high=battery_high_code(amplitude_vpk + RING_OVERHEAD_VOLTS),
        ring_trip_threshold=RING_TRIP_THRESHOLD_SINE,
    )


NEON_AMPLITUDE_VPK = 91.5
NEON_RISE_TIME_S = 0.05
NEON_PERIOD_S = 0.25


def neon_ring_generator() -> RingGenerator:
    """A slow high-voltage trapezoid that strikes a neon message-waiting lamp.

    The amplitude word is the peak on the 96 V scale, the oscillator word the slope
    (twice the amplitude per rise time at 8 kHz) and the phase word the period.
    """
    amplitude = round(NEON_AMPLITUDE_VPK / RING_FULL_SCALE_VOLTS * 32768)
    slope = round(2 * amplitude / (TRAPEZOID_SAMPLE_RATE_HZ * NEON_RISE_TIME_S))
    return RingGenerator(
        oscillator=slope,
        amplitude=amplitude,
        phase=round(NEON_PERIOD_S * TRAPEZOID_SAMPLE_RATE_HZ / 2),
        control=RING_TRAPEZOID | RING_TIMERS_ENABLE,
        battery_high=BATTERY_HIGH_MAX_CODE,
        ring_trip_threshold=RING_TRIP_THRESHOLD_NEON,
    )


def loop_current_limit_code(milliamps: int) -> int:
    """Register 71 code for a loop current limit of 20-41 mA (3 mA steps)."""
    if not LOOP_CURRENT_LIMIT_MIN_MA <= milliamps <= LOOP_CURRENT_LIMIT_MAX_MA:
        raise ValueError(
            f"loop current limit {milliamps} mA is outside "
            f"{LOOP_CURRENT_LIMIT_MIN_MA}-{LOOP_CURRENT_LIMIT_MAX_MA} mA"
        )
    return (milliamps - LOOP_CURRENT_LIMIT_MIN_MA) // LOOP_CURRENT_LIMIT_STEP_MA
