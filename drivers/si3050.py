"""Si3050 voice DAA with its Si3011/18/19 line side: registers and sequences only.

The chip driver knows the register map and the order things must be done in (detection,
initialisation per country termination, isolation-link power-up, hook, gains, PCM, monitors,
interrupts). What a ring means or when a line is dead is policy and lives in `drivers.fxo`.

SPI framing (one byte per chip-select frame): a control byte, the register number, then the
data byte, which the host sends on a write and clocks in on a read. The control byte is
BRCT (bit 7, broadcast write), R/W (bit 6, 1 = read), REGA (bit 5, a register address
follows) and the chip's channel id in bits 3:0 (0 on this hat: one chip select per chip),
so a write starts with 0x20 and a read with 0x60.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import IntEnum, IntFlag

import aio
from drivers.hal.interfaces import SpiDevice
from drivers.si3050_countries import DaaTermination

log = logging.getLogger(__name__)

CONTROL_REGA = 0x20  # a register address follows
CONTROL_READ = 0x40
CONTROL_BROADCAST = 0x80
CHANNEL_ID_MASK = 0x0F

REGISTER_COUNT = 60  # registers 1..59 are documented; 0 is unused
CONTROL2_RESET_VALUE = 0x03  # HBE | RXE: what register 2 reads after reset (presence check)
SOFT_RESET_SETTLE_MS = 100
LINE_SIDE_TIMEOUT_MS = 2000  # how long the isolation link may take to come up
LINE_SIDE_POLL_MS = 10
LOOP_CURRENT_MA_PER_LSB = 1.1  # register 28
LINE_VOLTS_PER_LSB = 1  # register 29, signed
TX_GAIN_RANGE_DB = (-15.0, 12.0)  # registers 38/40 (and 39/41 for receive)


class Reg(IntEnum):
    CONTROL1 = 1
    CONTROL2 = 2
    INTERRUPT_MASK = 3
    INTERRUPT_SOURCE = 4
    DAA_CONTROL1 = 5
    DAA_CONTROL2 = 6
    DAA_CONTROL3 = 10
    REVISION = 11  # line-side id (bits 7:4), system-side revision (bits 3:0)
    LINE_SIDE_STATUS = 12  # FDT (bit 6), LCS (bits 4:0, 3.3 mA/bit)
    LINE_SIDE_REVISION = 13  # bits 5:2
    INTERNATIONAL1 = 16
    INTERNATIONAL2 = 17
    INTERNATIONAL3 = 18
    INTERNATIONAL4 = 19
    RING_VALIDATION1 = 22
    RING_VALIDATION2 = 23
    RING_VALIDATION3 = 24
    DC_TERMINATION = 26
    LOOP_CURRENT = 28
    LINE_VOLTAGE = 29
    AC_TERMINATION = 30
    DAA_CONTROL4 = 31
    PCM_MODE = 33
    PCM_TX_START_LOW = 34
    PCM_TX_START_HIGH = 35
    PCM_RX_START_LOW = 36
    PCM_RX_START_HIGH = 37
    TX_GAIN2 = 38
    RX_GAIN2 = 39
    TX_GAIN3 = 40
    RX_GAIN3 = 41


class Interrupt(IntFlag):
    """Register 3 (mask) and register 4 (source) bits."""

    POLARITY = 0x01  # POLI: sign of the line voltage changed
    TIP_GROUND = 0x02
    LOOP_CURRENT_OVERLOAD = 0x04
    DROP_OUT = 0x08  # line-derived supply collapsed while off-hook
    BILLING_TONE = 0x10
    FRAME_LOSS = 0x20  # isolation link lost frame lock
    RECEIVE_OVERLOAD = 0x40
    RING = 0x80  # RDTI


# Register 2.
CONTROL2_INTE = 0x80  # AOUT/INT pin works as the interrupt output
CONTROL2_INTP = 0x40  # interrupt active high (the hat wires it open drain, active low: 0)
CONTROL2_RDI = 0x04  # ring interrupt at the end of a ring as well as at its start
# Register 5.
DAA1_RDTN = 0x40
DAA1_RDTP = 0x20
DAA1_ONHM = 0x08
DAA1_RDT = 0x04
DAA1_OH = 0x01
# Register 6.
DAA2_PDL = 0x10  # line side powered down
# Register 12.
LINE_SIDE_FDT = 0x40  # isolation link has frame lock
# Register 16.
INT1_RZ = 0x02
INT1_RT = 0x01
# Register 18.
INT3_RFWE = 0x02  # full-wave rectified ring detector
# Register 24.
RING_VALIDATION3_DEVICE_DEFAULT = 0x19  # validation off, default assertion time
# Register 26.
DC_ILIM = 0x02
# Register 31: off-hook counter 128 ms (FOH=01), receive high-pass at 200 Hz (FILT).
DAA4_BASE = 0x20 | 0x02
DAA4_OHS2 = 0x08
# Register 33.
PCM_ENABLE = 0x20
PCM_FORMAT_SHIFT = 3
PCM_FORMATS = {"alaw": 0, "ulaw": 1}
# Gain registers 38–41.
GAIN_ATTENUATE = 0x10

LINE_SIDE_DEVICES = {0x1: "Si3018", 0x3: "Si3019", 0x4: "Si3011"}


class Si3050Error(Exception):
    """A fault of the DAA or its line side; the message says what to check."""


class ChipAbsentError(Si3050Error):
    pass


class LineSideError(Si3050Error):
    pass


@dataclass(frozen=True)
class Si3050Identity:
    system_revision: int  # register 11 bits 3:0
    line_side_id: int = 0  # register 11 bits 7:4, 0 until the isolation link is up
    line_side_revision: int = 0  # register 13 bits 5:2

    @property
    def line_side(self) -> str | None:
        if not self.line_side_id:
            return None
        return LINE_SIDE_DEVICES.get(self.line_side_id, f"line side 0x{self.line_side_id:X}")

    def __str__(self) -> str:
        text = f"Si3050 rev {_revision_letter(self.system_revision)}"
        if self.line_side:
            text += f" + {self.line_side} rev {_revision_letter(self.line_side_revision)}"
        return text


def _revision_letter(revision: int) -> str:
    return chr(ord("A") + revision - 1) if 1 <= revision <= 26 else str(revision)


def encode_gain(gain_db: float) -> tuple[int, int]:
    """Register pair (whole dB, tenths) for a gain in dB; bit 4 marks attenuation."""
    low, high = TX_GAIN_RANGE_DB
    if not low <= gain_db <= high:
        raise ValueError(f"DAA gain {gain_db} dB is out of range: use {low} to +{high} dB")
    tenths_total = round(abs(gain_db) * 10)
    whole, tenths = divmod(tenths_total, 10)
    flag = GAIN_ATTENUATE if gain_db < 0 else 0
    return flag | whole, flag | tenths


class Si3050:
    """One Si3050 on its own chip select."""

    def __init__(self, spi: SpiDevice, *, channel_id: int = 0) -> None:
        if not 0 <= channel_id <= CHANNEL_ID_MASK:
            raise ValueError(f"Si3050 channel id must be 0–15, got {channel_id}")
        self.spi = spi
        self.channel_id = channel_id
        self.identity: Si3050Identity | None = None

    # Register access.
    def read(self, register: int) -> int:
        control = CONTROL_REGA | CONTROL_READ | self._cid_bits()
        return self.spi.transfer(bytes((control, register & 0x7F, 0x00)))[2]

    def write(self, register: int, value: int) -> None:
        control = CONTROL_REGA | self._cid_bits()
        self.spi.transfer(bytes((control, register & 0x7F, value & 0xFF)))

    def _cid_bits(self) -> int:
        # The channel id goes out least significant bit first in bits 3:0.
        return int(f"{self.channel_id:04b}"[::-1], 2)

    def dump_registers(self) -> dict[int, int]:
        """Every documented register, for `hw probe` and bug reports."""
        return {register: self.read(register) for register in range(1, REGISTER_COUNT)}

    # Detection and initialisation.
    def detect(self) -> Si3050Identity:
        """Check an Si3050 answers (register 2 reads its reset value); its revision."""
        value = self.read(Reg.CONTROL2)
        if value != CONTROL2_RESET_VALUE:
            if value in (0x00, 0xFF):
                raise ChipAbsentError(
                    f"no Si3050 answers on this chip select (register 2 reads 0x{value:02X}): "
                    "check the hat is seated and the port's chip select in the EEPROM"
                )
            raise ChipAbsentError(
                f"register 2 reads 0x{value:02X} instead of 0x{CONTROL2_RESET_VALUE:02X}: "
                "the chip on this chip select is not an Si3050 just out of reset"
            )
        self.identity = Si3050Identity(system_revision=self.read(Reg.REVISION) & 0x0F)
        return self.identity

    async def soft_reset(self) -> None:
        self.write(Reg.CONTROL1, 0x80)
        await aio.sleep_ms(SOFT_RESET_SETTLE_MS)

    def configure_pcm(self, law: str, tx_start_count: int, rx_start_count: int) -> None:
        """G.711 law and the bit-clock start counts of the transmit and receive slots."""
        if law not in PCM_FORMATS:
            raise ValueError(f"unknown G.711 law {law!r}: use 'ulaw' or 'alaw'")
        for name, count in (("transmit", tx_start_count), ("receive", rx_start_count)):
            if not 0 <= count < 1024:
                raise ValueError(f"PCM {name} start count {count} is out of range 0–1023")
        # Start counts first, then enable, so the chip never drives a wrong slot.
        self.write(Reg.PCM_TX_START_LOW, tx_start_count & 0xFF)
        self.write(Reg.PCM_TX_START_HIGH, tx_start_count >> 8)
        self.write(Reg.PCM_RX_START_LOW, rx_start_count & 0xFF)
        self.write(Reg.PCM_RX_START_HIGH, rx_start_count >> 8)
        self.write(Reg.PCM_MODE, PCM_ENABLE | PCM_FORMATS[law] << PCM_FORMAT_SHIFT)

    def apply_termination(self, termination: DaaTermination) -> None:
        """Country settings: ringer, ring detector, DC and AC termination, on-hook speed."""
        reg16 = INT1_RZ if termination.high_ringer_impedance else 0
        if termination.rt:
            reg16 |= INT1_RT
        self.write(Reg.INTERNATIONAL1, reg16)
        if termination.full_wave_ring_detect:
            self.write(Reg.INTERNATIONAL3, INT3_RFWE)
            self.write(Reg.RING_VALIDATION3, 0x00)
        else:
            self.write(Reg.INTERNATIONAL3, 0x00)
            self.write(Reg.RING_VALIDATION3, RING_VALIDATION3_DEVICE_DEFAULT)
        reg26 = (
            termination.dcv << 6
            | termination.mini << 4
            | (DC_ILIM if termination.current_limit else 0)
        )
        self.write(Reg.DC_TERMINATION, reg26)
        self.write(Reg.AC_TERMINATION, termination.acim)
        self.write(Reg.DAA_CONTROL4, DAA4_BASE | (DAA4_OHS2 if termination.ohs2 else 0))

    async def power_up_line_side(self, timeout_ms: int = LINE_SIDE_TIMEOUT_MS) -> Si3050Identity:
        """Power the isolation link and wait for the line side to report its id."""
        self.write(Reg.DAA_CONTROL2, 0x00)
        started = aio.ticks_ms()
        while True:
            revision = self.read(Reg.REVISION)
            if revision & 0xF0:
                break
            if aio.ticks_diff(aio.ticks_ms(), started) >= timeout_ms:
                raise LineSideError(
                    "no line-side device: check the isolation capacitors / line side "
                    f"(the isolation link did not come up within {timeout_ms} ms)"
                )
            await aio.sleep_ms(LINE_SIDE_POLL_MS)
        self.identity = Si3050Identity(
            system_revision=revision & 0x0F,
            line_side_id=revision >> 4,
            line_side_revision=(self.read(Reg.LINE_SIDE_REVISION) >> 2) & 0x0F,
        )
        log.info("isolation link up: %s", self.identity)
        return self.identity

    async def initialise(
        self,
        termination: DaaTermination,
        *,
        law: str = "ulaw",
        tx_start_count: int = 0,
        rx_start_count: int = 0,
        on_hook_monitor: bool = True,
        tx_gain_db: float = 0.0,
        rx_gain_db: float = 0.0,
        interrupts: Interrupt = Interrupt.RING | Interrupt.POLARITY,
    ) -> Si3050Identity:
        """The full bring-up, in the documented order; raises Si3050Error on a chip fault."""
        tx_gain = encode_gain(tx_gain_db)  # validate user settings before touching the chip
        rx_gain = encode_gain(rx_gain_db)
        self.detect()
        await self.soft_reset()
        self.configure_pcm(law, tx_start_count, rx_start_count)
        self.apply_termination(termination)
        identity = await self.power_up_line_side()
        self.set_hook(False, on_hook_monitor=on_hook_monitor)
        self._write_gains(tx_gain, rx_gain)
        self.enable_interrupts(interrupts)
        return identity

    # Operation.
    def set_hook(self, off_hook: bool, *, on_hook_monitor: bool = False) -> None:
        """Seize (off-hook) or release the line; on-hook, optionally monitor the line audio."""
        if off_hook:
            self.write(Reg.DAA_CONTROL1, DAA1_OH)  # ONHM must be clear when OH is set
        else:
            self.write(Reg.DAA_CONTROL1, DAA1_ONHM if on_hook_monitor else 0x00)

    def set_gains(self, tx_gain_db: float, rx_gain_db: float) -> None:
        self._write_gains(encode_gain(tx_gain_db), encode_gain(rx_gain_db))

    def _write_gains(self, tx_gain: tuple[int, int], rx_gain: tuple[int, int]) -> None:
        self.write(Reg.TX_GAIN2, tx_gain[0])
        self.write(Reg.TX_GAIN3, tx_gain[1])
        self.write(Reg.RX_GAIN2, rx_gain[0])
        self.write(Reg.RX_GAIN3, rx_gain[1])

    def enable_interrupts(self, interrupts: Interrupt) -> None:
        """Unmask `interrupts`, clear stale sources (line power-up raises some) and arm INT."""
        self.write(Reg.INTERRUPT_MASK, int(interrupts))
        self.write(Reg.INTERRUPT_SOURCE, 0x00)
        self.write(Reg.CONTROL2, CONTROL2_RESET_VALUE | (CONTROL2_INTE if interrupts else 0))

    def interrupt_sources(self) -> Interrupt:
        return Interrupt(self.read(Reg.INTERRUPT_SOURCE))

    def clear_interrupts(self, handled: Interrupt) -> None:
        """Clear the `handled` sources; writing 1 leaves the others (and new ones) pending."""
        self.write(Reg.INTERRUPT_SOURCE, ~int(handled) & 0xFF)

    def ring_detector(self) -> tuple[bool, bool]:
        """The ring detector's comparators now: (positive, negative) ring signal."""
        value = self.read(Reg.DAA_CONTROL1)
        return bool(value & DAA1_RDTP), bool(value & DAA1_RDTN)

    def line_voltage(self) -> int:
        """Signed tip-ring voltage in volts (0 at 3 V or less)."""
        value = self.read(Reg.LINE_VOLTAGE)
        return (value - 256 if value & 0x80 else value) * LINE_VOLTS_PER_LSB

    def loop_current_ma(self) -> float:
        return self.read(Reg.LOOP_CURRENT) * LOOP_CURRENT_MA_PER_LSB

    def line_side_up(self) -> bool:
        """The isolation link still has frame lock."""
        return bool(self.read(Reg.LINE_SIDE_STATUS) & LINE_SIDE_FDT)
