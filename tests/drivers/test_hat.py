"""The whole simulated hat started through `Hat`, healthy and with one fault at a time."""

import dataclasses

import pytest

import aio
from aio import host
from drivers.fxo import FxoSettings
from drivers.fxs import FxsSettings
from drivers.hal.errors import DeviceNotFound, HalError
from drivers.hat import Hat, HatError, HatSettings
from drivers.hat_layout import REFERENCE_LAYOUT, layout_named
from drivers.ports import EventKind, Health, PortKind
from drivers.sim.hat import SimulatedHat

FXS_PORTS = (0, 1, 2, 3)
FXO_PORTS = (4, 5)


def run(scenario, sim=None, settings=None):
    """Start the hat on `sim`, run `scenario(hat, sim, events)`, stop; virtual time."""
    sim = sim or SimulatedHat()
    events = []

    async def main():
        hat = await Hat.start(sim.factory, settings or HatSettings(), events.append)
        try:
            return await scenario(hat, sim, events)
        finally:
            await hat.stop()

    return host.run(main(), virtual=True), events


def kinds(events, port):
    return [e.kind for e in events if e.port == port]


async def still_works(hat, sim, events, fxs_port=0, fxo_port=4):
    """An FXS port still sees its phone go off-hook and an FXO port still sees a ring."""
    sim.loops[fxs_port].set_hook(True, aio.monotonic())
    sim.lines[fxo_port].start_ringing(aio.monotonic())
    await aio.sleep(1.0)
    sim.lines[fxo_port].stop_ringing(aio.monotonic())
    sim.loops[fxs_port].set_hook(False, aio.monotonic())
    await aio.sleep(1.0)
    assert EventKind.OFF_HOOK in kinds(events, fxs_port)
    assert EventKind.ON_HOOK in kinds(events, fxs_port)
    assert EventKind.RING_START in kinds(events, fxo_port)
    assert EventKind.RING_STOP in kinds(events, fxo_port)


def test_reference_hat_starts_with_four_fxs_and_two_fxo_ports_all_ok():
    async def scenario(hat, sim, events):
        statuses = hat.status()
        await still_works(hat, sim, events)
        return statuses

    statuses, events = run(scenario)
    assert [s.kind for s in statuses] == [PortKind.FXS] * 4 + [PortKind.FXO] * 2
    assert all(s.health is Health.OK for s in statuses), [s.reason for s in statuses]
    assert [s.chip.split()[0] for s in statuses] == ["Si3215"] * 4 + ["Si3050"] * 2
    assert not [e for e in events if e.kind in (EventKind.FAILED, EventKind.ALARM)]


@pytest.mark.parametrize("name", ["2fxs2fxo", "4fxs4fxo"])
def test_hat_variants_start_every_port_their_eeprom_lists(name):
    layout = layout_named(name)

    async def scenario(hat, sim, events):
        return hat.status(), sorted(hat.ports)

    (statuses, indexes), _ = run(scenario, SimulatedHat(layout))
    assert indexes == [p.index for p in layout.ports]
    assert all(s.health is Health.OK for s in statuses), [s.reason for s in statuses]


def test_an_absent_chip_fails_its_port_only():
    sim = SimulatedHat()
    sim.remove_chip(2)

    async def scenario(hat, sim, events):
        await still_works(hat, sim, events)
        return hat.status()

    statuses, events = run(scenario, sim)
    assert statuses[2].health is Health.FAILED
    assert statuses[2].reason
    assert EventKind.FAILED in kinds(events, 2)
    assert all(s.health is Health.OK for s in statuses if s.index != 2)


def test_calibration_that_never_finishes_fails_its_port_with_the_reason():
    sim = SimulatedHat()
    sim.stick_calibration(1)

    async def scenario(hat, sim, events):
        await still_works(hat, sim, events)
        return hat.status()

    statuses, _ = run(scenario, sim)
    assert statuses[1].health is Health.FAILED
    assert "calibration" in statuses[1].reason
    assert all(s.health is Health.OK for s in statuses if s.index != 1)


def test_power_alarm_while_ringing_is_reported_and_other_ports_keep_working():
    sim = SimulatedHat()
    sim.power_alarm_when_ringing(3)

    async def scenario(hat, sim, events):
        hat.ports[3].ring([1000, 4000])
        await aio.sleep(1.5)
        await still_works(hat, sim, events)  # while port 3 keeps ringing into its alarms
        return hat.status()

    statuses, events = run(scenario, sim)
    alarms = [e for e in events if e.port == 3 and e.kind is EventKind.ALARM]
    assert alarms and all("power alarm" in e.detail for e in alarms)
    assert statuses[3].health is Health.OK or "power alarm" in statuses[3].reason
    assert all(s.health is Health.OK for s in statuses if s.index != 3)


def test_an_exchange_line_without_battery_raises_an_alarm_and_recovers():
    sim = SimulatedHat()

    async def scenario(hat, sim, events):
        sim.remove_line_battery(5)
        await aio.sleep(2.0)
        lost = hat.ports[5].status()
        await still_works(hat, sim, events)
        sim.restore_line_battery(5)
        await aio.sleep(2.0)
        return lost, hat.status()

    (lost, statuses), events = run(scenario, sim)
    assert lost.health is Health.ALARM
    assert "no line voltage" in lost.reason
    assert EventKind.LINE_LOST in kinds(events, 5)
    assert EventKind.LINE_RESTORED in kinds(events, 5)
    assert all(s.health is Health.OK for s in statuses)


def test_a_line_side_that_never_powers_up_fails_its_port():
    sim = SimulatedHat()
    sim.line_side_never_powers_up(4)

    async def scenario(hat, sim, events):
        await still_works(hat, sim, events, fxo_port=5)
        return hat.status()

    statuses, _ = run(scenario, sim)
    assert statuses[4].health is Health.FAILED and "line side" in statuses[4].reason
    assert all(s.health is Health.OK for s in statuses if s.index != 4)


def test_spi_bit_errors_on_one_chip_select_fail_that_port_without_crashing_the_hat():
    sim = SimulatedHat()
    sim.spi_bit_errors(1, rate=0.05)

    async def scenario(hat, sim, events):
        await still_works(hat, sim, events)
        return hat.status()

    statuses, _ = run(scenario, sim)
    assert statuses[1].health is Health.FAILED and statuses[1].reason
    assert all(s.health is Health.OK for s in statuses if s.index != 1)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda sim: sim.corrupt_eeprom(offset=70), "CRC"),
        (lambda sim: sim.erase_eeprom(), "blank"),
        (lambda sim: sim.remove_eeprom(), "no hat found"),
    ],
)
def test_a_hat_with_a_bad_eeprom_refuses_to_start_with_a_clear_error(damage, message):
    sim = SimulatedHat()
    damage(sim)

    async def main():
        await Hat.start(sim.factory, HatSettings(), lambda event: None)

    with pytest.raises(HatError, match=message):
        host.run(main(), virtual=True)
    assert REFERENCE_LAYOUT.reset_gpio not in sim.factory.gpio_lines  # no chip was touched


def test_per_port_settings_override_the_hat_wide_ones():
    settings = HatSettings(
        fxs=FxsSettings(law="alaw"),
        fxo=FxoSettings(law="alaw"),
        ports={0: FxsSettings(law="ulaw"), 5: FxoSettings(law="ulaw")},
    )

    async def scenario(hat, sim, events):
        return {index: port.law for index, port in hat.ports.items()}

    laws, _ = run(scenario, settings=settings)
    assert laws == {0: "ulaw", 1: "alaw", 2: "alaw", 3: "alaw", 4: "alaw", 5: "ulaw"}


def test_settings_of_the_wrong_kind_for_a_port_are_refused_before_touching_the_chips():
    sim = SimulatedHat()
    settings = HatSettings(ports={4: FxsSettings()})

    async def main():
        await Hat.start(sim.factory, settings, lambda event: None)

    with pytest.raises(HatError, match="port 4 is an FXO port but its settings are FxsSettings"):
        host.run(main(), virtual=True)


def test_reset_is_pulsed_once_and_the_pcm_clock_runs_from_the_start():
    sim = SimulatedHat()

    async def scenario(hat, sim, events):
        blocks_after_start = sim.pcm.blocks_captured
        await aio.sleep(1.0)
        return blocks_after_start, sim.pcm.blocks_captured - blocks_after_start

    (during_start, per_second), _ = run(scenario, sim)
    assert sim.factory.gpio_lines[REFERENCE_LAYOUT.reset_gpio].pulses == 1
    assert during_start > 0  # the chips came up with the bit clock running
    assert per_second == 50


def test_the_hat_reads_its_layout_from_the_eeprom_not_from_the_simulation():
    layout = dataclasses.replace(REFERENCE_LAYOUT, serial="SB-777")
    sim = SimulatedHat(layout)

    async def scenario(hat, sim, events):
        return hat.layout

    read, _ = run(scenario, sim)
    assert read == layout


def test_a_hat_wired_with_a_pcm_offset_puts_every_chip_on_its_timeslot():
    layout = dataclasses.replace(REFERENCE_LAYOUT, pcm_start_offset=1)
    sim = SimulatedHat(layout)

    async def scenario(hat, sim, events):
        return {
            index: (chip.pcm_tx_timeslot, chip.pcm_rx_timeslot)
            for index, chip in sim.emulators.items()
        }

    timeslots, _ = run(scenario, sim)
    assert timeslots == {p.index: (p.timeslot, p.timeslot) for p in layout.ports}


def test_a_port_whose_spi_device_is_missing_is_failed_with_the_device_message():
    sim = SimulatedHat()
    spi = sim.factory.spi

    def spi_without_chip_select_3(bus, chip_select):
        if chip_select == 3:
            raise DeviceNotFound("SPI device /dev/spidev0.3 not found: enable SPI")
        return spi(bus, chip_select)

    sim.factory.spi = spi_without_chip_select_3

    async def scenario(hat, sim, events):
        await still_works(hat, sim, events)
        return hat.status()

    statuses, _ = run(scenario, sim)
    assert statuses[3].health is Health.FAILED
    assert statuses[3].reason == "SPI device /dev/spidev0.3 not found: enable SPI"
    assert statuses[3].chip == "Si3215 (unavailable)"
    assert all(s.health is Health.OK for s in statuses if s.index != 3)


class BrokenSpi:
    def transfer(self, data):
        raise HalError("SPI transfer on /dev/spidev0.4 failed: [Errno 5] Input/output error")

    def close(self):
        pass


def test_a_port_that_crashes_while_starting_is_failed_and_the_others_start():
    sim = SimulatedHat()
    spi = sim.factory.spi
    sim.factory.spi = lambda bus, cs: BrokenSpi() if cs == 4 else spi(bus, cs)

    async def scenario(hat, sim, events):
        await still_works(hat, sim, events, fxo_port=5)
        return hat.status()

    statuses, events = run(scenario, sim)
    assert statuses[4].health is Health.FAILED
    assert "Input/output error" in statuses[4].reason
    assert EventKind.FAILED in kinds(events, 4)
    assert all(s.health is Health.OK for s in statuses if s.index != 4)
