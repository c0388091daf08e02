"""A whole simulated hat: emulated chips on their loops and lines, EEPROM, buses, faults.

`SimulatedHat(layout)` builds what the real hat carries: the EEPROM image of `layout` in
an emulated 24C32, an `Si3215Emulator` with its `FxsLoop` per FXS port, an
`Si3050Emulator` with its `TelephoneLine` per FXO port, each in the socket of its chip
select and INT line, and the PCM highway. `hat.factory` is the `HalFactory` to hand to
`drivers.hat.Hat.start`; the world (virtual phones and exchange lines) attaches to
`hat.loops` and `hat.lines`.

Faults a test or a demo can inject, by port index: `remove_chip`, `stick_calibration`,
`power_alarm_when_ringing`, `power_alarm_now`, `spi_bit_errors`, `line_side_never_powers_up`,
`remove_line_battery` / `restore_line_battery`; and for the hat: `corrupt_eeprom`,
`erase_eeprom`, `remove_eeprom`.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Callable

import aio
from drivers.eeprom import EEPROM_I2C_ADDRESS, build_image
from drivers.hat_layout import REFERENCE_LAYOUT, ChipType, HatLayout
from drivers.sim.analog import FxsLoop, Linefeed, TelephoneLine
from drivers.sim.bus import ChipSocket, SimulatedFactory
from drivers.sim.chip import ChipEmulator
from drivers.sim.eeprom import EepromEmulator, SimI2cBus
from drivers.sim.pcm_bus import SimPcmDevice
from drivers.sim.si3050 import Si3050Emulator
from drivers.sim.si3215 import Si3215Emulator

log = logging.getLogger(__name__)

SIM_SERIAL = "SIM-000001"
EEPROM_I2C_BUS = 0
LINE_BATTERY_VOLTS = 48.0


class SimulatedHat:
    """The reference hat (or a variant) emulated below the HAL."""

    def __init__(
        self,
        layout: HatLayout = REFERENCE_LAYOUT,
        *,
        serial: str = SIM_SERIAL,
        clock: Callable[[], float] = aio.monotonic,
        eeprom_bus: int = EEPROM_I2C_BUS,
        seed: int = 0,
    ) -> None:
        self.layout = layout if layout.serial else dataclasses.replace(layout, serial=serial)
        self.eeprom = EepromEmulator(build_image(self.layout))
        self.i2c = SimI2cBus(eeprom_bus, {EEPROM_I2C_ADDRESS: self.eeprom})
        self.loops: dict[int, FxsLoop] = {}
        self.lines: dict[int, TelephoneLine] = {}
        self.emulators: dict[int, ChipEmulator] = {}
        self.sockets: dict[int, ChipSocket] = {}
        by_chip_select: dict[tuple[int, int], ChipSocket] = {}
        interrupt_lines: dict[int, ChipSocket] = {}
        offset = self.layout.pcm_start_offset  # the chips sit on the highway as the hat is wired
        for port in self.layout.ports:
            emulator: ChipEmulator
            if port.chip is ChipType.SI3215:
                loop = self.loops[port.index] = FxsLoop()
                emulator = Si3215Emulator(loop, clock=clock, start_count_offset=offset)
            else:
                line = self.lines[port.index] = TelephoneLine(battery_volts=LINE_BATTERY_VOLTS)
                emulator = Si3050Emulator(line, clock=clock, start_count_offset=offset)
            self.emulators[port.index] = emulator
            socket = ChipSocket(f"port {port.index}", emulator, seed=seed + port.index)
            self.sockets[port.index] = socket
            by_chip_select[(self.layout.spi_bus, port.chip_select)] = socket
            if port.interrupt_gpio is not None:
                interrupt_lines[port.interrupt_gpio] = socket
        self.pcm = SimPcmDevice(by_chip_select.values())
        self.factory = SimulatedFactory(
            sockets=by_chip_select,
            interrupt_lines=interrupt_lines,
            reset_gpio=self.layout.reset_gpio,
            i2c=self.i2c,
            pcm=self.pcm,
        )
        self.factory.hat = self
        self._clock = clock

    # --- chips ---------------------------------------------------------------------
    def remove_chip(self, port: int) -> None:
        """The chip of `port` is not fitted (or dead): nothing answers on its chip select."""
        self.sockets[port].remove()
        log.info("sim hat: chip of port %d removed", port)

    def fit_chip(self, port: int) -> None:
        """Put the port's emulator back after `remove_chip`."""
        self.sockets[port].insert(self.emulators[port])

    def _slic(self, port: int) -> Si3215Emulator:
        emulator = self.emulators[port]
        if not isinstance(emulator, Si3215Emulator):
            raise ValueError(f"port {port} is not an FXS port")
        return emulator

    def _daa(self, port: int) -> Si3050Emulator:
        emulator = self.emulators[port]
        if not isinstance(emulator, Si3050Emulator):
            raise ValueError(f"port {port} is not an FXO port")
        return emulator

    def stick_calibration(self, port: int, runs: float = math.inf) -> None:
        """The SLIC's calibration never finishes (for the next `runs` attempts)."""
        self._slic(port).calibration_stuck_runs = runs

    def power_alarm_when_ringing(self, port: int) -> None:
        """Every ring burst on this FXS port trips the SLIC's power alarm."""
        self._slic(port).power_alarm_states = {Linefeed.RINGING.value}

    def power_alarm_now(self, port: int, *, chip_reset: bool = False) -> None:
        """One power alarm on this FXS port now (a brown-out with `chip_reset`)."""
        self._slic(port).inject_power_alarm(chip_reset=chip_reset)

    def line_side_never_powers_up(self, port: int) -> None:
        """The DAA's isolation link never comes up (missing isolation capacitors)."""
        self._daa(port).line_side_never_powers_up = True

    def spi_bit_errors(self, port: int, *, rate: float | None = None, count: int = 0) -> None:
        """Bit errors on the port's chip select: a steady `rate` per bit, or `count` bytes."""
        socket = self.sockets[port]
        if rate is not None:
            socket.spi_bit_error_rate = rate
        if count:
            socket.inject_bit_errors(count)

    # --- exchange lines ------------------------------------------------------------
    def remove_line_battery(self, port: int) -> None:
        """The exchange line on this FXO port goes dead (cable pulled, exchange fault)."""
        self.lines[port].set_battery(0.0, self._clock())

    def restore_line_battery(self, port: int, volts: float = LINE_BATTERY_VOLTS) -> None:
        self.lines[port].set_battery(volts, self._clock())

    # --- EEPROM --------------------------------------------------------------------
    def corrupt_eeprom(self, offset: int | None = None, *, seed: int = 0) -> int:
        """Flip a bit in the EEPROM contents; returns the damaged offset."""
        return self.eeprom.corrupt(offset, seed=seed)

    def erase_eeprom(self) -> None:
        self.eeprom.erase()

    def remove_eeprom(self) -> None:
        """No EEPROM answers on the ID bus (unfitted part, or a hat that is not seated)."""
        self.i2c.remove(EEPROM_I2C_ADDRESS)
