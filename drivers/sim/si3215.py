"""Register-level emulator of an Si3215 (or Si3210) ProSLIC on the simulated hat.

It answers the chip's SPI framing (each byte its own chip-select frame; a command byte
`reg | 0x80` is followed by one frame clocking the value out, `reg & 0x7F` by one frame
clocking the value in), starts from the chip's reset values and computes every
time-dependent register at the moment it is read, on `clock` (virtual time in tests):

- indirect registers through 28/29/30: writing 28 or 29 and then 30 writes, writing 30
  alone reads; register 31 reads busy for `indirect_busy_polls` reads after each access;
- calibration (reg 96) and DC-DC calibration (reg 93 bit 7) clear themselves after
  `calibration_s` and `dcdc_calibration_s`;
- the battery (reg 82) ramps once the converter is switched on (reg 14) and decays when it
  is switched off (see `drivers.sim.si3215_line` for the analog model);
- the linefeed (reg 64) reaches the state written after `linefeed_lag_s`: the low bits read
  back at once, the high bits (the state the chip is in) follow, and only then does the loop
  see it;
- loop closure from `FxsLoop.off_hook` on a powered feed (reg 68 bit 0), ring trip when the
  phone goes off-hook while ringing (reg 68 bit 1; with reg 67 bit 1 set the chip switches
  itself to forward active), each change raising its bit in reg 19;
- interrupt status registers clear where a 1 is written; the INT pin is asserted while any
  status bit has its enable bit set (regs 21-23);
- PCM format and start counts from regs 1-5; audio through `drivers.sim.codec.ChipCodec`,
  scaled by the digital gains (IR 26/27).

It drives the `FxsLoop`: linefeed, battery, the ring frequency and amplitude decoded from
the oscillator words the driver programmed, and the message-waiting lamp (a high-voltage
trapezoid on a ringing linefeed). Every register access is logged in `transactions`
(indirect accesses too, flagged), the older half dropped beyond `max_transactions`.

Fault injection (attributes and methods; all default to a healthy chip):
- `battery_ramps = False`: the DC-DC converter never brings the battery up.
- `loop_leak = True`: the loop drains the battery (leak test fails).
- `calibration_stuck_runs = n`: the next n calibrations never finish (`math.inf`: never).
- `indirect_busy_stuck = True`: register 31 stays busy.
- `indirect_corruption[address] = mask`: indirect writes to `address` (this part's own
  numbering) land XORed with `mask`, so the read-back verification fails.
- `power_alarm_states = {4}`: entering one of these linefeed states trips a power alarm
  (here: every ring burst), a persistent fault.
- `inject_power_alarm(transistor=1)`: one power alarm now; `chip_reset=True` makes it a
  brown-out instead, the chip back at its reset values with its interrupts disabled.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable

import numpy as np

import aio
from drivers.sim import si3215_line as line
from drivers.sim.analog import FxsLoop, Linefeed, Samples
from drivers.sim.chip import InterruptCallback, InterruptPin, Transaction, timeslot_for_start_count
from drivers.sim.codec import ChipCodec

log = logging.getLogger(__name__)

# Indirect register addresses on each part (Si3215 packs them differently).
_RING_WORDS = {"Si3215": (7, 8, 9), "Si3210": (20, 21, 22)}  # oscillator, amplitude, phase
_GAIN_WORDS = {"Si3215": (13, 14), "Si3210": (26, 27)}  # receive, transmit
UNITY_GAIN = 0x4000

_RESET_VALUES = {
    8: 0x02,  # digital loopback until the driver clears it
    10: 0x08,
    11: 0x33,
    14: 0x10,  # DC-DC converter powered down
    67: 0x1F,
    69: 0x0A,
    70: 0x0A,
    72: 0x20,  # 48 V on-hook
    73: 0x02,
    74: 0x32,  # 75 V high battery
    75: 0x10,
    92: 0xFF,
    93: 0x14,
    107: 0x08,
}
_CALIBRATION_RESULTS = {98: 0x10, 99: 0x10, 100: 0x11, 101: 0x12, 102: 0x08, 103: 0x88,
                        104: 0x00, 105: 0x00, 106: 0x20, 107: 0x08}  # fmt: skip
_LINEFEED_REGISTER = 64
_SENSE = range(78, 84)
_ACTIVE = (Linefeed.FORWARD_ACTIVE, Linefeed.REVERSE_ACTIVE)


class Si3215Emulator:
    """One emulated ProSLIC wired to one `FxsLoop` (see the module docstring)."""

    calibration_s = 0.15
    dcdc_calibration_s = 0.02
    linefeed_lag_s = 0.001
    indirect_busy_polls = 1
    max_transactions = 200_000  # the log drops its older half beyond this (long simulations)

    def __init__(
        self,
        loop: FxsLoop,
        *,
        clock: Callable[[], float] = aio.monotonic,
        start_count_offset: int = 0,
        part: str = "Si3215",
        revision: int = 5,
    ) -> None:
        if part not in _RING_WORDS:
            raise ValueError(f"unknown ProSLIC part {part!r}; use 'Si3215' or 'Si3210'")
        self.loop = loop
        self.clock = clock
        self.start_count_offset = start_count_offset
        self.part = part
        self.revision = revision
        self.transactions: list[Transaction] = []
        # Faults.
        self._battery_ramps = True
        self._loop_leak = False
        self.calibration_stuck_runs: float = 0
        self.indirect_busy_stuck = False
        self.indirect_corruption: dict[int, int] = {}
        self.power_alarm_states: set[int] = set()
        # Counters for tests.
        self.power_alarms = 0
        self.resets = 0
        self._pin = InterruptPin()
        self._codecs = {law: ChipCodec(law) for law in ("ulaw", "alaw")}
        self._updating_loop = False
        self.battery = line.Battery(since=clock())
        self._power_on(clock())
        loop.on_change(self._on_loop_change)

    # --- reset ------------------------------------------------------------------------
    def _power_on(self, now: float) -> None:
        self._regs = [0] * 128
        for register, value in _RESET_VALUES.items():
            self._regs[register] = value
        self._regs[0] = self.revision & 0x0F
        self._regs[1] = 0x88 if self.part == "Si3215" else 0x08
        self._indirect: dict[int, int] = {}
        self._command: int | None = None
        self._data_armed = False
        self._busy_polls = 0
        self._calibration_done_at: float | None = None
        self._dcdc_calibration_done_at: float | None = None
        self._sync_battery_faults(now)
        self._lf_written = Linefeed.OPEN
        self._lf_actual = Linefeed.OPEN
        self._lf_due: float | None = None
        self._tripped = False
        self._loop_closed = False
        self._apply_to_loop(now)
        self._update_interrupt()

    def reset(self) -> None:
        """The RESET line was pulsed."""
        self.resets += 1
        self._power_on(self.clock())

    # --- ChipEmulator -------------------------------------------------------------------
    @property
    def interrupt_asserted(self) -> bool:
        return self._pin.asserted

    def on_interrupt_change(self, callback: InterruptCallback) -> None:
        self._pin.subscribe(callback)

    @property
    def law(self) -> str:
        return "ulaw" if self._regs[1] & 0x18 else "alaw"

    @property
    def pcm_enabled(self) -> bool:
        return bool(self._regs[1] & 0x20)

    def _timeslot(self, low: int, high: int) -> int | None:
        if not self.pcm_enabled:
            return None
        start = self._regs[low] | ((self._regs[high] & 0x03) << 8)
        return timeslot_for_start_count(start, self.start_count_offset)

    @property
    def pcm_tx_timeslot(self) -> int | None:
        return self._timeslot(2, 3)

    @property
    def pcm_rx_timeslot(self) -> int | None:
        return self._timeslot(4, 5)

    def spi_exchange(self, mosi: int) -> int:
        now = self.clock()
        self._settle(now)
        if self._command is None:
            self._command = mosi & 0xFF
            return 0x00
        command, self._command = self._command, None
        register = command & 0x7F
        if len(self.transactions) >= self.max_transactions:
            del self.transactions[: self.max_transactions // 2]  # a long run keeps the recent half
        if command & 0x80:
            value = self._read(register, now)
            self.transactions.append(Transaction(now, "read", register, value))
            return value
        self.transactions.append(Transaction(now, "write", register, mosi & 0xFF))
        self._write(register, mosi & 0xFF, now)
        return 0x00

    def pcm_capture(self, count: int) -> bytes:
        """What the chip sends: the mouthpiece while the loop carries audio, else silence."""
        now = self.clock()
        self._settle(now)
        self.loop.battery_volts = self.battery.at(now)
        codec = self._codecs[self.law]
        if not (self.pcm_enabled and self._loop_closed and self._lf_actual is not Linefeed.RINGING):
            return bytes([codec.silence_byte]) * count
        samples = self.loop.phone_source(count)
        gain = self._gain(1)
        if gain != 1.0:
            samples = np.clip(samples * gain, -32768, 32767)
        return codec.encode(samples).tobytes()

    def pcm_playback(self, data: bytes) -> None:
        """What the chip received: onto the loop when the feed carries audio, else silence."""
        now = self.clock()
        self._settle(now)
        sink = self.loop.phone_sink
        if sink is None:
            return
        carries = self.pcm_enabled and (
            self._lf_actual.carries_audio_on_hook
            or (self._lf_actual in _ACTIVE and self.loop.off_hook)
        )
        if not carries:
            sink(np.zeros(len(data), dtype=np.int16))
            return
        samples: Samples = self._codecs[self.law].decode(data)
        gain = self._gain(0)
        if gain != 1.0:
            samples = np.clip(samples * gain, -32768, 32767).astype(np.int16)
        sink(samples)

    # --- faults -------------------------------------------------------------------------
    def inject_power_alarm(self, transistor: int = 1, *, chip_reset: bool = False) -> None:
        """A power alarm on transistor Q1-Q6 now; or a brown-out reset with `chip_reset`."""
        now = self.clock()
        self._settle(now)
        self.power_alarms += 1
        if chip_reset:
            log.info("emulated ProSLIC browned out and reset")
            self._power_on(now)
            return
        if not 1 <= transistor <= 6:
            raise ValueError("power alarms exist for transistors Q1-Q6")
        self._trip_power_alarm(transistor, now)

    def _trip_power_alarm(self, transistor: int, now: float) -> None:
        self._regs[19] |= 1 << (transistor + 1)
        if self._regs[67] & 0x01:  # the chip opens the linefeed by itself
            self._lf_written = self._lf_actual = Linefeed.OPEN
            self._lf_due = None
            self._apply_to_loop(now)
        self._update_interrupt()

    @property
    def battery_ramps(self) -> bool:
        return self._battery_ramps

    @battery_ramps.setter
    def battery_ramps(self, ramps: bool) -> None:
        self._battery_ramps = ramps
        self._sync_battery_faults(self.clock())

    @property
    def loop_leak(self) -> bool:
        return self._loop_leak

    @loop_leak.setter
    def loop_leak(self, leak: bool) -> None:
        self._loop_leak = leak
        self._sync_battery_faults(self.clock())

    def _sync_battery_faults(self, now: float) -> None:
        self.battery.rebase(now)
        self.battery.converter_on = not self._regs[14] & 0x10
        self.battery.target = self._regs[74] * line.PROGRAM_VOLTS_PER_LSB
        self.battery.ramps = self._battery_ramps
        self.battery.leak = self._loop_leak

    # --- register reads and writes ------------------------------------------------------
    def _read(self, register: int, now: float) -> int:
        if register == 31:
            if self.indirect_busy_stuck:
                return 0x01
            if self._busy_polls:
                self._busy_polls -= 1
                return 0x01
            return 0x00
        if register == _LINEFEED_REGISTER:
            return (self._lf_actual.value << 4) | self._lf_written.value
        if register == 68:
            return int(self._loop_closed) | (int(self._tripped) << 1)
        if register in _SENSE:
            return self._sense(register, now)
        calibration_done = self._calibration_done_at
        if register == 96 and calibration_done is not None and now >= calibration_done:
            self._regs[96] = 0
            self._calibration_done_at = None
            for result, value in _CALIBRATION_RESULTS.items():
                self._regs[result] = value
        dcdc_done = self._dcdc_calibration_done_at
        if register == 93 and dcdc_done is not None and now >= dcdc_done:
            self._regs[93] &= 0x7F
            self._dcdc_calibration_done_at = None
        return self._regs[register]

    def _write(self, register: int, value: int, now: float) -> None:
        if register in (18, 19, 20):
            self._regs[register] &= ~value & 0xFF
            self._update_interrupt()
            return
        if register == 1:
            value = (value & 0x7F) | (self._regs[1] & 0x80)  # part flag is read-only
        if register == 0:
            value = (value & 0xF0) | (self._regs[0] & 0x0F)  # revision is read-only
        if register == _LINEFEED_REGISTER:
            self._write_linefeed(Linefeed(value & 0x07), now)
            return
        if register in (28, 29):
            self._data_armed = True
        self._regs[register] = value
        if register == 30:
            self._indirect_access(value, now)
        elif register in (14, 74):
            self._sync_battery_faults(now)
            self._apply_to_loop(now)
        elif register == 34:
            self._apply_to_loop(now)
        elif register in (21, 22, 23):
            self._update_interrupt()
        elif register == 96 and value & 0x40:
            self._start_calibration(now)
        elif register == 93 and value & 0x80:
            self._dcdc_calibration_done_at = now + self.dcdc_calibration_s

    def _start_calibration(self, now: float) -> None:
        if self.calibration_stuck_runs > 0:
            self.calibration_stuck_runs -= 1
            self._calibration_done_at = math.inf
        else:
            self._calibration_done_at = now + self.calibration_s

    def _indirect_access(self, address: int, now: float) -> None:
        self._busy_polls = self.indirect_busy_polls
        if self._data_armed:
            value = self._regs[28] | (self._regs[29] << 8)
            value ^= self.indirect_corruption.get(address, 0)
            self._indirect[address] = value
            self._data_armed = False
            self.transactions.append(Transaction(now, "write", address, value, indirect=True))
            if address in _RING_WORDS[self.part]:
                self._apply_to_loop(now)
        else:
            value = self._indirect.get(address, 0)
            self._regs[28], self._regs[29] = value & 0xFF, value >> 8
            self.transactions.append(Transaction(now, "read", address, value, indirect=True))

    def _gain(self, which: int) -> float:
        word = self._indirect.get(_GAIN_WORDS[self.part][which], UNITY_GAIN)
        return word / UNITY_GAIN

    def _sense(self, register: int, now: float) -> int:
        battery = self.battery.at(now)
        if register in (82, 83):
            return line.sense_code(battery)
        reading = line.feed_reading(
            self._lf_actual,
            self.loop.off_hook,
            battery,
            on_hook_volts=self._regs[72] * line.PROGRAM_VOLTS_PER_LSB,
            common_mode_volts=self._regs[73] * line.PROGRAM_VOLTS_PER_LSB,
            current_limit_ma=20 + 3 * (self._regs[71] & 0x07),
        )
        if register == 79:
            return line.current_code(reading.loop_current_ma)
        if register == 80:
            return line.sense_code(reading.tip_volts)
        if register == 81:
            return line.sense_code(reading.ring_volts)
        return line.sense_code(abs(reading.ring_volts - reading.tip_volts))  # 78

    # --- linefeed and the loop ----------------------------------------------------------
    def _write_linefeed(self, state: Linefeed, now: float) -> None:
        self._lf_written = state
        self._tripped = False
        if state is self._lf_actual:
            self._lf_due = None
            return
        self._lf_due = now + self.linefeed_lag_s
        try:  # tell the loop on time even if nobody touches the chip meanwhile
            running = asyncio.get_running_loop()
        except RuntimeError:
            return
        running.call_later(self.linefeed_lag_s, self._settle_on_time)

    def _settle_on_time(self) -> None:
        self._settle(self.clock())

    def _settle(self, now: float) -> None:
        """Let the linefeed reach the state written once its lag has passed."""
        if self._lf_due is not None and now >= self._lf_due:
            due, self._lf_due = self._lf_due, None
            self._lf_actual = self._lf_written
            self._apply_to_loop(due)
            if self._lf_actual.value in self.power_alarm_states:
                self.power_alarms += 1
                self._trip_power_alarm(1, due)

    def _apply_to_loop(self, now: float) -> None:
        """Push the linefeed, ringing and battery to the loop, then re-evaluate the hook."""
        battery = self.battery.at(now)
        oscillator, amplitude, phase = (self._indirect.get(a, 0) for a in _RING_WORDS[self.part])
        trapezoid = bool(self._regs[34] & 0x01)
        ring = line.ring_output(oscillator, amplitude, phase, trapezoid, battery)
        loop = self.loop
        loop.ring_frequency_hz = ring.frequency_hz
        loop.ring_amplitude_vpk = ring.amplitude_vpk
        loop.battery_volts = battery
        loop.message_waiting_lamp = (
            self._lf_actual is Linefeed.RINGING and ring.lamp_volts >= line.NEON_STRIKE_VOLTS
        )
        self._updating_loop = True
        try:
            loop.set_feed(self._lf_actual, now)
        finally:
            self._updating_loop = False
        self._evaluate_hook(now)

    def _on_loop_change(self, _loop: FxsLoop, now: float) -> None:
        if self._updating_loop:
            return
        self._settle(now)
        self._evaluate_hook(now)

    def _evaluate_hook(self, now: float) -> None:
        off_hook = self.loop.off_hook
        if self._lf_actual is Linefeed.RINGING:
            if off_hook and not self._tripped:
                self._tripped = True
                self._regs[19] |= 0x01
                if self._regs[67] & 0x02:  # the chip ends ringing by itself
                    self._lf_written = self._lf_actual = Linefeed.FORWARD_ACTIVE
                    self._lf_due = None
                    self._apply_to_loop(now)  # re-evaluates the hook on the active feed
                    return
            closed = False
        else:
            closed = off_hook and self._lf_actual.powered
            if not off_hook:
                self._tripped = False  # the ring-trip detector follows the loop current
        if closed != self._loop_closed:
            self._loop_closed = closed
            self._regs[19] |= 0x02
        self._update_interrupt()

    def _update_interrupt(self) -> None:
        regs = self._regs
        pending = (regs[18] & regs[21]) | (regs[19] & regs[22]) | (regs[20] & regs[23])
        self._pin.set(bool(pending))

    # --- inspection for tests -----------------------------------------------------------
    def indirect(self, address: int) -> int:
        """An indirect register by this part's own address."""
        return self._indirect.get(address, 0)

    def register(self, register: int) -> int:
        """A direct register as stored (no side effects, unlike an SPI read)."""
        return self._regs[register]
