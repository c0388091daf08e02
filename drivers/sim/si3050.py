"""Register-level emulator of an Si3050 DAA and its line side, sitting on a TelephoneLine.

It answers the SPI byte frames the real chip answers (control byte, register, data; see
`drivers.si3050` for the framing) and computes every time-dependent register at the moment
it is read: the ring detector comparators (RDTP/RDTN) from the instantaneous line voltage,
the signed line voltage (register 29, 1 V/LSB), the loop current (register 28, 1.1 mA/LSB),
and whether the isolation link has come up since the line side was powered.

The ring detector is AC-coupled on the real part (capacitors into RNG1/RNG2), so it sees the
ring signal and, after any step of the DC line voltage, a transient that decays with the
coupling time constant: a polarity reversal shows as one pulse of one sign, not as a ring.

Interrupts (ring, polarity, frame loss) latch in register 4 when the line changes, are
masked by register 3, drive the INT pin while register 2 enables it, and clear when 0 is
written to their bit. Audio goes through the chip's own G.711 model
(`drivers.sim.codec.ChipCodec`) with the gains of registers 38–41; what the line side
receives first passes the receive path's high-pass, whose corner register 31's FILT bit
selects (5 Hz or 200 Hz). Every register access
is logged in `transactions` (the oldest half is dropped past TRANSACTION_LOG_LIMIT).

Fault injection:
- `line_side_never_powers_up = True` before initialisation: the isolation link never
  comes up (register 11 keeps its line-side id at 0), as with missing isolation capacitors.
- `break_isolation_link()` / `repair_isolation_link()` at run time: frame lock is lost, the
  line side drops the line and reads as absent; the FRAME_LOSS interrupt latches.
- `power_up_delay_s`: how long the isolation link takes to come up.
- No line battery is a world setting: `line.set_battery(0, now)`.
An absent chip is the bus's business (nothing answers on the chip select).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable

import numpy as np

import aio
from drivers.sim.analog import TelephoneLine
from drivers.sim.chip import InterruptCallback, InterruptPin, Transaction, timeslot_for_start_count
from drivers.sim.codec import ChipCodec
from drivers.sim.receive_filter import ReceiveHighPass

log = logging.getLogger(__name__)

# Control byte.
REGA = 0x20
READ = 0x40
BROADCAST = 0x80
MISO_IDLE = 0xFF  # SDO is tri-stated (pulled up) outside the data byte of a read

REGISTER_SPACE = 128
RESET_VALUES = {2: 0x03, 6: 0x10, 22: 0x96, 23: 0x2D, 24: 0x19, 31: 0x20}
SYSTEM_REVISION = 0x5  # register 11 bits 3:0
LINE_SIDE_ID = 0x3  # Si3019, register 11 bits 7:4 once the link is up
LINE_SIDE_REVISION = 0x6  # register 13 bits 5:2
DEFAULT_POWER_UP_DELAY_S = 0.06
TRANSACTION_LOG_LIMIT = 100_000  # older half dropped beyond this (long simulated runs)

# Register bits the emulator acts on.
SR = 0x80  # register 1
INTE = 0x80  # register 2
RDI = 0x04
RING_INTERRUPT = 0x80  # register 3/4
FRAME_LOSS_INTERRUPT = 0x20
POLARITY_INTERRUPT = 0x01
RDTN, RDTP, ONHM, RDT, OH = 0x40, 0x20, 0x08, 0x04, 0x01  # register 5
PDL, PDN = 0x10, 0x08  # register 6
FDT = 0x40  # register 12
RT = 0x01  # register 16
RFWE = 0x02  # register 18
DOD = 0x02  # register 19
ILIM = 0x02  # register 26
LVFD = 0x01  # register 31
FILT = 0x02  # register 31: receive high-pass corner at 200 Hz instead of 5 Hz
PCME = 0x20  # register 33
READ_ONLY = {11, 12, 13, 19, 28, 29}

RECEIVE_CORNER_HZ = {False: 5.0, True: 200.0}  # -3 dB corner of the receive path, by FILT
RING_THRESHOLD_VRMS = {False: 15.0, True: 21.5}  # mid-points of 13.5–16.5 and 19.35–23.65
RING_COUPLING_TAU_S = 0.02  # ring detector input coupling time constant
RING_DETECT_HOLD_S = 5.0  # RDT stays set this long after the last ring (4.5–9 s)
LINE_VOLTAGE_FORCED_ZERO_V = 3.0  # LVS reads 0 at or below this unless LVFD
LOOP_CURRENT_MA_PER_LSB = 1.1
LINE_SIDE_MA_PER_LSB = 3.3  # register 12 LCS
LOOP_CURRENT_MAX_LSB = 127
CURRENT_LIMIT_MA = 60.0  # ILIM
DROP_OUT_MA = 2.0  # below this off-hook, the line-derived supply collapses (DOD)


class Si3050Emulator:
    """An Si3050 + Si3019 on one chip select of the simulated hat."""

    def __init__(
        self,
        line: TelephoneLine,
        *,
        clock: Callable[[], float] = aio.monotonic,
        start_count_offset: int = 0,
        channel_id: int = 0,
        power_up_delay_s: float = DEFAULT_POWER_UP_DELAY_S,
    ) -> None:
        self.line = line
        self.clock = clock
        self.start_count_offset = start_count_offset
        self.channel_id = channel_id
        self.power_up_delay_s = power_up_delay_s
        self.line_side_never_powers_up = False
        self.transactions: list[Transaction] = []
        self._pin = InterruptPin()
        self._codecs = {law: ChipCodec(law) for law in ("ulaw", "alaw")}
        self._receive_filter = ReceiveHighPass()
        self._base_dc_resistance = line.dc_resistance_ohms
        # SPI frame state.
        self._phase = 0
        self._selected = False
        self._reading = False
        self._register = 0
        # Ring detector coupling: the DC level its input capacitor has charged to (settled
        # at construction, which may happen before the clock's event loop runs).
        self._dc_target = line.dc_volts()
        self._baseline_start = self._dc_target
        self._baseline_at = -math.inf
        self._was_ringing = line.ringing
        self._last_ring_at = -math.inf
        self._regs = [0] * REGISTER_SPACE
        self._link_requested_at: float | None = None
        self._reset_registers(clock())
        line.on_change(self._on_line_change)

    # ChipEmulator protocol.
    def spi_exchange(self, mosi: int) -> int:
        if self._phase == 0:
            if not mosi & REGA:
                return MISO_IDLE  # not a register access: the chip ignores the frame
            self._reading = bool(mosi & READ)
            channel = int(f"{mosi & 0x0F:04b}"[::-1], 2)
            self._selected = channel == self.channel_id or (
                bool(mosi & BROADCAST) and not self._reading
            )
            self._phase = 1
            return MISO_IDLE
        if self._phase == 1:
            self._register = mosi & 0x7F
            self._phase = 2
            return MISO_IDLE
        self._phase = 0
        if not self._selected:
            return MISO_IDLE
        now = self.clock()
        if len(self.transactions) >= TRANSACTION_LOG_LIMIT:
            del self.transactions[: TRANSACTION_LOG_LIMIT // 2]
        if self._reading:
            value = self._read(self._register, now)
            self.transactions.append(Transaction(now, "read", self._register, value))
            return value
        self.transactions.append(Transaction(now, "write", self._register, mosi))
        self._write(self._register, mosi, now)
        return MISO_IDLE

    def reset(self) -> None:
        self._phase = 0
        self._reset_registers(self.clock())

    @property
    def interrupt_asserted(self) -> bool:
        return self._pin.asserted

    def on_interrupt_change(self, callback: InterruptCallback) -> None:
        self._pin.subscribe(callback)

    @property
    def law(self) -> str:
        return "ulaw" if (self._regs[33] >> 3) & 0x03 == 1 else "alaw"

    @property
    def pcm_tx_timeslot(self) -> int | None:
        return self._timeslot(34)

    @property
    def pcm_rx_timeslot(self) -> int | None:
        return self._timeslot(36)

    def pcm_capture(self, count: int) -> bytes:
        """What the codec sends up: line audio while off-hook or monitoring, else silence."""
        now = self.clock()
        daa1 = self._regs[5]
        if self._link_up(now) and daa1 & (OH | ONHM):
            corner_hz = RECEIVE_CORNER_HZ[bool(self._regs[31] & FILT)]
            line_audio = self._receive_filter.apply(self.line.exchange_source(count), corner_hz)
            samples = self._scale(line_audio, self._gain_db(39, 41))
        else:
            samples = np.zeros(count, dtype=np.int16)
        return self._codecs[self.law].encode(samples).tobytes()

    def pcm_playback(self, data: bytes) -> None:
        """What the codec puts on the line: audio while off-hook, zeros otherwise."""
        if self.line.exchange_sink is None:
            return
        if self._link_up(self.clock()) and self._regs[5] & OH:
            samples = self._scale(self._codecs[self.law].decode(data), self._gain_db(38, 40))
        else:
            samples = np.zeros(len(data), dtype=np.int16)
        self.line.exchange_sink(samples)

    # Faults.
    def break_isolation_link(self) -> None:
        """The line side loses frame lock: it drops the line and stops answering."""
        now = self.clock()
        self.line_side_never_powers_up = True
        self._raise(FRAME_LOSS_INTERRUPT)
        self._apply_hook(now)

    def repair_isolation_link(self) -> None:
        self.line_side_never_powers_up = False
        self._apply_hook(self.clock())

    # Registers.
    def _reset_registers(self, now: float) -> None:
        self._regs = [0] * REGISTER_SPACE
        for register, value in RESET_VALUES.items():
            self._regs[register] = value
        self._link_requested_at = None
        self._apply_hook(now)
        self._update_pin()

    def _read(self, register: int, now: float) -> int:
        self._apply_hook(now)
        link_up = self._link_up(now)
        if register == 1:
            return self._regs[1] & ~SR & 0xFF
        if register == 5:
            return self._regs[5] | (self._ring_bits(now) if link_up else 0)
        if register == 11:
            return SYSTEM_REVISION | (LINE_SIDE_ID << 4 if link_up else 0)
        if not link_up and register in (12, 13, 19, 28, 29):
            return 0
        if register == 12:
            return FDT | min(31, int(self._loop_current_ma() / LINE_SIDE_MA_PER_LSB))
        if register == 13:
            return LINE_SIDE_REVISION << 2
        if register == 19:
            return DOD if self.line.off_hook and self._loop_current_ma() < DROP_OUT_MA else 0
        if register == 28:
            lsb = round(self._loop_current_ma() / LOOP_CURRENT_MA_PER_LSB)
            return min(LOOP_CURRENT_MAX_LSB, lsb)
        if register == 29:
            return self._line_voltage_code(self.line.dc_volts())
        return self._regs[register]

    def _write(self, register: int, value: int, now: float) -> None:
        if register in READ_ONLY:
            return
        if register == 1 and value & SR:
            log.debug("soft reset")
            self._reset_registers(now)
            return
        if register == 4:
            self._regs[4] &= value  # a source clears when 0 is written to it
        elif register == 5:
            self._regs[5] = value & (OH | ONHM)
        elif register == 6:
            powered_before = not self._regs[6] & PDL
            self._regs[6] = value & (PDL | PDN)
            powered = not value & PDL
            if powered and not powered_before:
                self._link_requested_at = now
            elif not powered:
                self._link_requested_at = None
        else:
            self._regs[register] = value
        if register in (2, 3, 4):
            self._update_pin()
        if register in (5, 6):
            self._apply_hook(now)

    def _link_up(self, now: float) -> bool:
        if self.line_side_never_powers_up or self._link_requested_at is None:
            return False
        return now >= self._link_requested_at + self.power_up_delay_s

    def _apply_hook(self, now: float) -> None:
        """Put the line side's hook switch where register 5 says, if the link is up."""
        off_hook = bool(self._regs[5] & OH) and self._link_up(now)
        if off_hook and not self.line.off_hook:
            self.line.dc_resistance_ohms = self._dc_termination_ohms()
        self.line.set_hook(off_hook, now)

    def _dc_termination_ohms(self) -> float:
        resistance = self._base_dc_resistance
        if self._regs[26] & ILIM and self.line.battery_volts > 0:
            limited = 1000.0 * self.line.battery_volts / CURRENT_LIMIT_MA
            resistance = max(resistance, limited - self.line.feed_resistance_ohms)
        return resistance

    def _loop_current_ma(self) -> float:
        return self.line.loop_current_ma() if self.line.off_hook else 0.0

    def _line_voltage_code(self, volts: float) -> int:
        if abs(volts) <= LINE_VOLTAGE_FORCED_ZERO_V and not self._regs[31] & LVFD:
            return 0
        return max(-128, min(127, round(volts))) & 0xFF

    def _timeslot(self, low_register: int) -> int | None:
        if not self._regs[33] & PCME or (self._regs[33] >> 3) & 0x03 > 1:
            return None  # PCM off, or a linear format the 8-bit highway cannot carry
        count = self._regs[low_register] | (self._regs[low_register + 1] & 0x03) << 8
        return timeslot_for_start_count(count, self.start_count_offset)

    def _gain_db(self, whole_register: int, tenths_register: int) -> float:
        gain = 0.0
        for register, step in ((whole_register, 1.0), (tenths_register, 0.1)):
            value = self._regs[register]
            gain += (-1 if value & 0x10 else 1) * (value & 0x0F) * step
        return gain

    @staticmethod
    def _scale(samples: np.ndarray, gain_db: float) -> np.ndarray:
        if gain_db == 0:
            return samples.astype(np.int16, copy=False)
        scaled = np.rint(samples.astype(np.float64) * 10 ** (gain_db / 20))
        return np.clip(scaled, -32768, 32767).astype(np.int16)

    # Ring detector and line events.
    def _ring_threshold_v(self) -> float:
        return RING_THRESHOLD_VRMS[bool(self._regs[16] & RT)] * math.sqrt(2)

    def _baseline(self, now: float) -> float:
        decay = math.exp(-max(0.0, now - self._baseline_at) / RING_COUPLING_TAU_S)
        return self._dc_target + (self._baseline_start - self._dc_target) * decay

    def _ring_bits(self, now: float) -> int:
        if self.line.off_hook:
            return 0
        signal = self.line.voltage_at(now) - self._baseline(now)
        threshold = self._ring_threshold_v()
        bits = RDTP if signal > threshold else RDTN if signal < -threshold else 0
        if self.line.ringing or now - self._last_ring_at < RING_DETECT_HOLD_S:
            bits |= RDT
        return bits

    def _on_line_change(self, line: TelephoneLine, now: float) -> None:
        baseline = self._baseline(now)
        old_code = self._line_voltage_code(self._dc_target)
        self._baseline_start, self._baseline_at = baseline, now
        self._dc_target = line.dc_volts()
        ring_started = line.ringing and not self._was_ringing
        ring_stopped = self._was_ringing and not line.ringing
        self._was_ringing = line.ringing
        if ring_stopped:
            self._last_ring_at = now
        if not self._link_up(now):
            return
        if (old_code ^ self._line_voltage_code(self._dc_target)) & 0x80:
            self._raise(POLARITY_INTERRUPT)
        if line.off_hook:
            return
        threshold = self._ring_threshold_v()
        step = self._dc_target - baseline
        full_wave = bool(self._regs[18] & RFWE)
        if ring_started and math.sqrt(2) * line.ring_vrms > threshold:
            self._raise(RING_INTERRUPT)
        elif abs(step) > threshold and (full_wave or step > 0):
            self._raise(RING_INTERRUPT)  # the coupling transient trips the ring detector
        elif ring_stopped and self._regs[2] & RDI:
            self._raise(RING_INTERRUPT)

    def _raise(self, source: int) -> None:
        self._regs[4] |= source
        self._update_pin()

    def _update_pin(self) -> None:
        self._pin.set(bool(self._regs[2] & INTE) and bool(self._regs[3] & self._regs[4]))
