"""Si3215 (and Si3210) ProSLIC chip driver: registers and sequences, no telephony policy.

`Si3215(spi)` detects the part, brings it up (indirect registers, DC-DC converter and
battery ramp, leak test, calibration, DC-DC calibration, read-back verification), sets up
its PCM timeslot, linefeed and ring generator, and reads its interrupts, loop status and
measurements. Each bring-up step that can fail raises its own `Si3215Error` subclass whose
message says what a technician should check; `drivers.fxs.FxsPort` turns those into a
FAILED port. Timing policy (debounce, cadence, alarm retries) lives in the port.

Waits that take milliseconds on the real chip (battery ramp, calibration) poll with
`aio.sleep_ms`, so they run on virtual time in simulation. The indirect-register busy bit
clears within microseconds, so it is polled a bounded number of times without sleeping.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import aio
from drivers import si3215_regs as r
from drivers.hal.interfaces import SpiDevice
from drivers.si3215_types import (
    BatteryRampError,
    CalibrationError,
    ChipAbsentError,
    ChipInfo,
    ChipInsaneError,
    IndirectAccessError,
    IndirectVerifyError,
    InterruptStatus,
    LoopLeakageError,
    Measurements,
    ProslicConfig,
    Si3215Error,
)

__all__ = [
    "BatteryRampError",
    "CalibrationError",
    "ChipAbsentError",
    "ChipInfo",
    "ChipInsaneError",
    "IndirectAccessError",
    "IndirectVerifyError",
    "InterruptStatus",
    "LoopLeakageError",
    "Measurements",
    "ProslicConfig",
    "Si3215",
    "Si3215Error",
]

log = logging.getLogger(__name__)

INDIRECT_BUSY_POLLS = 100  # reg 31 reads before an indirect access is declared stuck
BATTERY_RAMP_TIMEOUT_MS = 500
BATTERY_POLL_MS = 10
LEAK_TEST_MS = 500
CALIBRATION_TIMEOUT_MS = 2000
CALIBRATION_POLL_MS = 20
DCDC_CALIBRATION_TIMEOUT_MS = 500
DCDC_CALIBRATION_POLL_MS = 10
LINEFEED_CONFIRM_TIMEOUT_MS = 100
LINEFEED_POLL_MS = 2
LOOP_CLOSURE_DEBOUNCE_CODE = 0x0A  # reg 69: short hardware debounce; the port debounces
COMMON_MODE_CODE = 0x04  # reg 73: common-mode voltage of the feed
Q7_OFF = 0x01  # reg 66: keep the battery-switch transistor off
ENHANCEMENT_VALUE = 0xEB  # reg 108: recommended enhancement bits
DCDC_PWM_PERIOD_MAX = 0xFF


@dataclass
class _Saved:
    calibration: list[int] = field(default_factory=list)  # regs 96-107 after calibration


class Si3215:
    """One ProSLIC on its own chip select (see module docstring)."""

    def __init__(self, spi: SpiDevice) -> None:
        self._spi = spi
        self.info: ChipInfo | None = None
        self._expected_indirect: dict[int, int] = {}
        self._saved = _Saved()
        self.ring_generator: r.RingGenerator | None = None
        self.linefeed_retries = 0

    # --- register access ------------------------------------------------------------
    def read(self, register: int) -> int:
        return self._spi.transfer(bytes((register | r.SPI_READ, 0x00)))[1]

    def write(self, register: int, value: int) -> None:
        self._spi.transfer(bytes((register & 0x7F, value & 0xFF)))

    @property
    def _si3215(self) -> bool:
        return self.info is not None and self.info.si3215

    def _wait_indirect_idle(self) -> None:
        for _ in range(INDIRECT_BUSY_POLLS):
            if not self.read(r.INDIRECT_STATUS) & r.INDIRECT_BUSY:
                return
        raise IndirectAccessError(
            f"the indirect-register interface stayed busy for {INDIRECT_BUSY_POLLS} polls of "
            "register 31: the ProSLIC is not responding properly; check its clock (PCLK)"
        )

    def write_indirect(self, address: int, value: int) -> None:
        """Write indirect register `address` (Si3210 numbering); skipped if absent here."""
        chip_address = r.chip_indirect_address(address, self._si3215)
        if chip_address is None:
            return
        self._wait_indirect_idle()
        self.write(r.INDIRECT_DATA_LOW, value & 0xFF)
        self.write(r.INDIRECT_DATA_HIGH, (value >> 8) & 0xFF)
        self.write(r.INDIRECT_ADDRESS, chip_address)
        if address in r.INDIRECT_BY_ADDRESS:
            self._expected_indirect[address] = value & 0xFFFF

    def read_indirect(self, address: int) -> int | None:
        """Read indirect register `address` (Si3210 numbering); None if absent here."""
        chip_address = r.chip_indirect_address(address, self._si3215)
        if chip_address is None:
            return None
        self._wait_indirect_idle()
        self.write(r.INDIRECT_ADDRESS, chip_address)
        self._wait_indirect_idle()
        return self.read(r.INDIRECT_DATA_LOW) | (self.read(r.INDIRECT_DATA_HIGH) << 8)

    # --- detection --------------------------------------------------------------------
    def detect(self) -> ChipInfo:
        """Identify the part from its reset values; raises if absent or not a ProSLIC."""
        spi_mode = self.read(r.SPI_MODE)
        revision = spi_mode & 0x0F
        if revision in (0x0, 0xF):
            raise ChipAbsentError(
                f"no ProSLIC answers (register 0 reads 0x{spi_mode:02X}): check that the "
                "module is fitted, its chip select and the SPI wiring"
            )
        if revision < 2:
            raise ChipInsaneError(
                f"ProSLIC revision {revision} is too old to be supported; fit revision B or later"
            )
        part = "Si3215" if self.read(r.PCM_MODE) & r.PART_SI3215_FLAG else "Si3210"
        checks = (
            (r.AUDIO_LOOPBACK, r.RESET_AUDIO_LOOPBACK, "loopback"),
            (r.LINEFEED, r.RESET_LINEFEED, "linefeed"),
            (r.HYBRID, r.RESET_HYBRID, "hybrid"),
        )
        for register, expected, name in checks:
            value = self.read(register)
            if value != expected:
                raise ChipInsaneError(
                    f"{part} {name} register {register} reads 0x{value:02X} instead of its "
                    f"reset value 0x{expected:02X}: the chip was not reset or is faulty; "
                    "check the RESET line"
                )
        self.write(r.INDIRECT_ADDRESS, 0)
        self.info = ChipInfo(part, revision)
        log.info("found %s", self.info)
        return self.info

    # --- bring-up -----------------------------------------------------------------------
    async def initialise(self, config: ProslicConfig, *, fast: bool = False) -> None:
        """Full bring-up in the documented order; `fast` reuses the saved calibration.

        Fast re-initialisation (after the chip reset itself) skips the leak test and
        calibration and writes back the calibration results saved by the last full run.
        """
        if self.info is None:
            self.detect()
        if fast and not self._saved.calibration:
            fast = False
        generator = r.sine_ring_generator(config.ring_frequency_hz, config.ring_amplitude_vpk)
        limit_code = r.loop_current_limit_code(config.loop_current_ma)
        self.write(r.POWER_DOWN_1, r.POWER_DOWN_DCDC)  # converter off while we set up
        self._load_indirect_registers(generator)
        self.write(r.AUDIO_LOOPBACK, 0x00)
        self.write(r.ENHANCEMENT, ENHANCEMENT_VALUE)
        self.write(r.AUTO_MANUAL_CONTROL, r.AUTO_CONTROL_SAFE)
        self.write(r.BATTERY_FEED_CONTROL, Q7_OFF)
        held = self._hold_filters()
        await self._power_up(limit_code)
        if fast:
            for offset, value in enumerate(self._saved.calibration):
                self.write(r.CALIBRATION_1 + offset, value)
        else:
            await self._leak_test()
            await self._power_up(limit_code)
            await self._calibrate_with_retry()
            await self._calibrate_dcdc()
            self._saved.calibration = [self.read(r.CALIBRATION_1 + offset) for offset in range(12)]
        for address, value in held.items():
            self.write_indirect(address, value)
        self.verify_indirect_registers()
        self.set_ring_generator(generator)
        self.write(r.COMMON_MODE_VOLTAGE, COMMON_MODE_CODE)
        self.write(r.LOOP_CLOSURE_DEBOUNCE, LOOP_CLOSURE_DEBOUNCE_CODE)
        log.info("%s initialised%s", self.info, " (fast)" if fast else "")

    def _load_indirect_registers(self, generator: r.RingGenerator) -> None:
        overrides = {
            r.RING_OSCILLATOR: generator.oscillator,
            r.RING_AMPLITUDE: generator.amplitude,
            r.RING_PHASE: generator.phase,
            r.RING_TRIP_THRESHOLD: generator.ring_trip_threshold,
        }
        self._expected_indirect.clear()
        for register in r.INDIRECT_REGISTERS:
            self.write_indirect(register.address, overrides.get(register.address, register.value))

    def _hold_filters(self) -> dict[int, int]:
        """Set the loop and thermal filters to pass-through while powering up; return them."""
        held = {}
        for address in r.FILTERS_HELD_DURING_POWER_UP:
            held[address] = self._expected_indirect[address]
            self.write_indirect(address, r.FILTER_HOLD_VALUE)
        return held

    def battery_volts(self) -> float:
        return -self.read(r.BATTERY_HIGH_SENSE) * r.SENSE_VOLTS_PER_LSB

    async def _power_up(self, limit_code: int) -> None:
        self.write(r.DCDC_PWM_PERIOD, DCDC_PWM_PERIOD_MAX)
        self.write(r.POWER_DOWN_1, 0x00)
        waited_ms = 0
        while (code := self.read(r.BATTERY_HIGH_SENSE)) < r.BATTERY_POWERED_CODE:
            if waited_ms >= BATTERY_RAMP_TIMEOUT_MS:
                raise BatteryRampError(
                    f"the battery reached only {code * r.SENSE_VOLTS_PER_LSB:.1f} V after "
                    f"{waited_ms} ms (needs "
                    f"{r.BATTERY_POWERED_CODE * r.SENSE_VOLTS_PER_LSB:.0f} V): check the "
                    "hat's supply and the DC-DC converter parts"
                )
            await aio.sleep_ms(BATTERY_POLL_MS)
            waited_ms += BATTERY_POLL_MS
        self.write(r.LOOP_CURRENT_LIMIT, limit_code)
        self.write(r.DCDC_CONTROL, r.DCDC_ENGAGE)

    async def _leak_test(self) -> None:
        """Open the loop, stop the converter and watch the battery: it must hold its charge."""
        self.write(r.LINEFEED, r.LinefeedState.OPEN)
        self.write(r.POWER_DOWN_1, r.POWER_DOWN_DCDC)
        waited_ms = 0
        while waited_ms < LEAK_TEST_MS:
            code = self.read(r.BATTERY_HIGH_SENSE)
            if code < r.BATTERY_LEAK_CODE:
                raise LoopLeakageError(
                    f"the battery fell to {code * r.SENSE_VOLTS_PER_LSB:.1f} V within "
                    f"{waited_ms} ms with the converter off: there is a short or leak on the "
                    "line or the port's protection parts; check the wiring"
                )
            await aio.sleep_ms(BATTERY_POLL_MS)
            waited_ms += BATTERY_POLL_MS

    async def _calibrate_once(self) -> bool:
        self.write(r.CALIBRATION_2, r.CALIBRATE_ALL_2)
        self.write(r.CALIBRATION_1, r.CALIBRATION_START | r.CALIBRATE_ALL_1)
        waited_ms = 0
        while self.read(r.CALIBRATION_1):
            if waited_ms >= CALIBRATION_TIMEOUT_MS:
                return False
            await aio.sleep_ms(CALIBRATION_POLL_MS)
            waited_ms += CALIBRATION_POLL_MS
        return True

    async def _calibrate_with_retry(self) -> None:
        if await self._calibrate_once():
            return
        log.warning("%s: calibration did not finish, trying once more", self.info)
        if not await self._calibrate_once():
            raise CalibrationError(
                f"calibration did not finish within {CALIBRATION_TIMEOUT_MS} ms, twice: the "
                "ProSLIC or its line-side parts are faulty"
            )

    async def _calibrate_dcdc(self) -> None:
        self.write(r.DCDC_CONTROL, r.DCDC_CALIBRATE | r.DCDC_ENGAGE)
        waited_ms = 0
        while self.read(r.DCDC_CONTROL) & r.DCDC_CALIBRATE:
            if waited_ms >= DCDC_CALIBRATION_TIMEOUT_MS:
                raise CalibrationError(
                    f"the DC-DC converter calibration did not finish within "
                    f"{DCDC_CALIBRATION_TIMEOUT_MS} ms: check the converter parts"
                )
            await aio.sleep_ms(DCDC_CALIBRATION_POLL_MS)
            waited_ms += DCDC_CALIBRATION_POLL_MS
        peak = self.read(r.DC_PEAK_CALIBRATION)
        if peak not in r.DC_PEAK_VALID:
            log.warning(
                "%s: DC peak calibration 0x%02X out of range, using default", self.info, peak
            )
            self.write(r.DC_PEAK_CALIBRATION, r.DC_PEAK_DEFAULT)

    def verify_indirect_registers(self) -> None:
        """Read back every loaded indirect register; raise on the first mismatches."""
        wrong = []
        for address, expected in sorted(self._expected_indirect.items()):
            value = self.read_indirect(address)
            if value is not None and value != expected:
                name = r.INDIRECT_BY_ADDRESS[address].name
                wrong.append(f"IR{address} ({name}) 0x{value:04X} != 0x{expected:04X}")
        if wrong:
            raise IndirectVerifyError(
                "indirect registers do not hold what was written: "
                + "; ".join(wrong[:4])
                + (f" and {len(wrong) - 4} more" if len(wrong) > 4 else "")
                + ": SPI errors or a faulty chip; check the SPI wiring and clock"
            )

    # --- operation ----------------------------------------------------------------------
    def setup_pcm(self, law: str, timeslot: int, start_count_offset: int = 0) -> None:
        """8-bit G.711 on `timeslot` (start count 8·timeslot bit clocks after frame sync)."""
        if law not in ("ulaw", "alaw"):
            raise ValueError(f"unknown G.711 law {law!r}: use 'ulaw' or 'alaw'")
        start = 8 * timeslot + start_count_offset
        if not 0 <= start < 1024:
            raise ValueError(f"PCM start count {start} is outside 0-1023")
        fmt = r.PCM_FORMAT_ULAW if law == "ulaw" else r.PCM_FORMAT_ALAW
        self.write(r.PCM_MODE, r.PCM_ENABLE | fmt)
        self.write(r.PCM_TX_START_LOW, start & 0xFF)
        self.write(r.PCM_TX_START_HIGH, start >> 8)
        self.write(r.PCM_RX_START_LOW, start & 0xFF)
        self.write(r.PCM_RX_START_HIGH, start >> 8)

    def enable_interrupts(self) -> None:
        """Clear anything pending, then interrupt on ring trip, loop closure, power alarms."""
        for register in (r.INTERRUPT_STATUS_1, r.INTERRUPT_STATUS_2, r.INTERRUPT_STATUS_3):
            self.write(register, 0xFF)
        self.write(r.INTERRUPT_ENABLE_1, 0x00)
        self.write(r.INTERRUPT_ENABLE_2, 0xFF)
        self.write(r.INTERRUPT_ENABLE_3, 0x00)

    def read_interrupts(self, *, all_registers: bool = False) -> InterruptStatus:
        """Read and clear the interrupt status: register 19, the only one enabled, or all."""
        registers = (r.INTERRUPT_STATUS_1, r.INTERRUPT_STATUS_2, r.INTERRUPT_STATUS_3)
        values = []
        for register in registers:
            value = 0
            if all_registers or register == r.INTERRUPT_STATUS_2:
                value = self.read(register)
                if value:
                    self.write(register, value)
            values.append(value)
        return InterruptStatus(*values)

    def loop_status(self) -> tuple[bool, bool]:
        """(loop closed, ring trip) from register 68."""
        value = self.read(r.LOOP_STATUS)
        return bool(value & r.LOOP_STATUS_CLOSED), bool(value & r.LOOP_STATUS_RING_TRIP)

    def write_linefeed(self, state: r.LinefeedState) -> None:
        self.write(r.LINEFEED, int(state))

    def linefeed(self) -> tuple[int, int]:
        """(state written, state the chip is in) from register 64."""
        value = self.read(r.LINEFEED)
        return value & r.LINEFEED_MASK, (value >> r.LINEFEED_ACTUAL_SHIFT) & r.LINEFEED_MASK

    async def set_linefeed(self, state: r.LinefeedState) -> bool:
        """Write the linefeed and wait until the chip reports it; rewrite once if it lags.

        Returns False if the chip never reached the state (the caller decides what that
        means, usually a power alarm in progress).
        """
        for attempt in range(2):
            self.write_linefeed(state)
            waited_ms = 0
            while waited_ms < LINEFEED_CONFIRM_TIMEOUT_MS:
                written, actual = self.linefeed()
                if written == actual == state:
                    return True
                await aio.sleep_ms(LINEFEED_POLL_MS)
                waited_ms += LINEFEED_POLL_MS
            if attempt == 0:
                self.linefeed_retries += 1
                log.warning("%s: linefeed %s not reached, writing again", self.info, state.name)
        return False

    def set_ring_generator(self, generator: r.RingGenerator) -> None:
        """Program the ringing oscillator (sine or neon trapezoid) and the high battery."""
        self.write(r.RING_OSCILLATOR_CONTROL, generator.control)
        self.write_indirect(r.RING_PHASE, generator.phase)
        self.write_indirect(r.RING_TRIP_THRESHOLD, generator.ring_trip_threshold)
        self.write(r.BATTERY_HIGH_VOLTAGE, generator.battery_high)
        self.write_indirect(r.RING_OSCILLATOR, generator.oscillator)
        self.write_indirect(r.RING_AMPLITUDE, generator.amplitude)
        self.ring_generator = generator

    def was_reset(self) -> bool:
        """True when the chip shows its reset values again (it lost power or was reset)."""
        return self.read(r.AUDIO_LOOPBACK) != 0x00

    def measurements(self) -> Measurements:
        return Measurements(
            battery_volts=self.battery_volts(),
            tip_volts=-self.read(r.TIP_VOLTAGE_SENSE) * r.SENSE_VOLTS_PER_LSB,
            ring_volts=-self.read(r.RING_VOLTAGE_SENSE) * r.SENSE_VOLTS_PER_LSB,
            loop_current_ma=self.read(r.LOOP_CURRENT_SENSE) * r.LOOP_CURRENT_MA_PER_LSB,
        )

    def register_dump(self) -> dict[str, dict[int, int]]:
        """Every implemented direct register and every loaded indirect register."""
        direct = {
            register: self.read(register)
            for register in range(r.LAST_DIRECT_REGISTER + 1)
            if register not in r.RESERVED_DIRECT
        }
        indirect = {}
        for register in r.INDIRECT_REGISTERS:
            value = self.read_indirect(register.address)
            if value is not None:
                indirect[register.address] = value
        return {"direct": direct, "indirect": indirect}
