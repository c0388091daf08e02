"""The simulated hat below the HAL: what its factory hands the chip drivers."""

import dataclasses

import pytest

from drivers.eeprom import parse_image, read_eeprom
from drivers.hal.errors import I2cNoAcknowledge
from drivers.hat_layout import REFERENCE_LAYOUT, layout_named
from drivers.si3050 import ChipAbsentError, Si3050
from drivers.si3215 import Si3215, Si3215Error
from drivers.sim.analog import FxsLoop, TelephoneLine
from drivers.sim.hat import SimulatedHat


def test_the_simulated_eeprom_describes_the_simulated_layout():
    sim = SimulatedHat(layout_named("4fxs4fxo"), serial="SIM-42")
    description = parse_image(read_eeprom(sim.factory.i2c(0)))
    assert description.layout == dataclasses.replace(layout_named("4fxs4fxo"), serial="SIM-42")


def test_every_port_has_its_own_chip_loop_or_line_and_interrupt():
    sim = SimulatedHat()
    assert sorted(sim.loops) == [0, 1, 2, 3] and sorted(sim.lines) == [4, 5]
    assert all(isinstance(loop, FxsLoop) for loop in sim.loops.values())
    assert all(isinstance(line, TelephoneLine) for line in sim.lines.values())
    assert sim.lines[4].battery_volts == 48.0
    for port in REFERENCE_LAYOUT.ports:
        spi = sim.factory.spi(REFERENCE_LAYOUT.spi_bus, port.chip_select)
        if port.kind.value == "fxs":
            assert Si3215(spi).detect().part == "Si3215"
        else:
            assert Si3050(spi).detect() is not None
        assert sim.factory.gpio_in(port.interrupt_gpio).read() is True  # not asserted


def test_a_removed_chip_is_absent_to_its_driver_and_can_be_fitted_again():
    sim = SimulatedHat()
    sim.remove_chip(1)
    sim.remove_chip(5)
    with pytest.raises(Si3215Error):
        Si3215(sim.factory.spi(0, 1)).detect()
    with pytest.raises(ChipAbsentError):
        Si3050(sim.factory.spi(0, 5)).detect()
    sim.fit_chip(1)
    assert Si3215(sim.factory.spi(0, 1)).detect().part == "Si3215"


def test_reset_line_returns_every_chip_to_its_reset_values():
    sim = SimulatedHat()
    reset = sim.factory.gpio_out(REFERENCE_LAYOUT.reset_gpio, True)
    chips = []
    for port in REFERENCE_LAYOUT.ports:
        spi = sim.factory.spi(0, port.chip_select)
        # A PCM register of each chip: 0 after reset on both parts.
        chip, register = (Si3215(spi), 2) if port.kind.value == "fxs" else (Si3050(spi), 34)
        chip.write(register, 0x28)
        assert chip.read(register) == 0x28
        chips.append((chip, register))
    reset.write(False)
    reset.write(True)
    assert [chip.read(register) for chip, register in chips] == [0] * 6


def test_faults_for_the_wrong_kind_of_port_are_refused():
    sim = SimulatedHat()
    with pytest.raises(ValueError, match="port 4 is not an FXS port"):
        sim.stick_calibration(4)
    with pytest.raises(ValueError, match="port 0 is not an FXO port"):
        sim.line_side_never_powers_up(0)


def test_eeprom_faults_show_on_the_bus():
    sim = SimulatedHat()
    sim.remove_eeprom()
    with pytest.raises(I2cNoAcknowledge):
        read_eeprom(sim.factory.i2c(0))
    blank = SimulatedHat()
    blank.erase_eeprom()
    assert read_eeprom(blank.factory.i2c(0)) == b"\xff" * 12


def test_line_battery_fault_reaches_the_exchange_line():
    sim = SimulatedHat()
    sim.remove_line_battery(4)
    assert sim.lines[4].dc_volts() == 0.0
    sim.restore_line_battery(4)
    assert sim.lines[4].dc_volts() == 48.0
