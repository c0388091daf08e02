import pytest

import aio
from aio import host
from drivers.hal.edges import EdgeLatch
from drivers.hal.errors import DeviceNotFound, HalError
from drivers.hal.interfaces import Edge
from drivers.sim.bus import ChipSocket, SimulatedFactory
from drivers.sim.chip import ChipEmulator, timeslot_for_start_count
from drivers.sim.eeprom import SimI2cBus
from drivers.sim.pcm_bus import SimPcmDevice
from tests.drivers.scripted_chip import RESET_VALUE, ScriptedChip

RESET_GPIO = 17
INT_GPIO = 4


def small_hat():
    chips = [ScriptedChip(), ScriptedChip()]
    sockets = {(0, 0): ChipSocket("chip0", chips[0]), (0, 1): ChipSocket("chip1", chips[1])}
    factory = SimulatedFactory(
        sockets=sockets,
        interrupt_lines={INT_GPIO: sockets[(0, 0)], 5: sockets[(0, 1)]},
        reset_gpio=RESET_GPIO,
        i2c=SimI2cBus(0),
        pcm=SimPcmDevice(sockets.values()),
    )
    return chips, sockets, factory


def test_the_scripted_chip_fits_the_emulator_protocol():
    assert isinstance(ScriptedChip(), ChipEmulator)


def test_each_byte_goes_to_the_chip_on_its_own_chip_select():
    chips, _, factory = small_hat()
    spi = factory.spi(0, 1)
    spi.transfer(bytes([0x05, 0x42]))  # write register 5
    assert spi.transfer(bytes([0x85, 0x00])) == bytes([0xFF, 0x42])
    logged = [(t.op, t.register, t.value) for t in chips[1].transactions]
    assert logged == [("write", 5, 0x42), ("read", 5, 0x42)]
    assert chips[0].transactions == []


def test_an_empty_chip_select_reads_all_ones():
    _, sockets, factory = small_hat()
    sockets[(0, 0)].remove()
    assert factory.spi(0, 0).transfer(bytes([0x85, 0x00])) == b"\xff\xff"
    assert factory.spi(0, 6).transfer(bytes([0x81, 0x00])) == b"\xff\xff"


def test_forced_bit_errors_flip_exactly_one_bit_of_the_next_bytes_read():
    _, sockets, factory = small_hat()
    spi = factory.spi(0, 0)
    spi.transfer(bytes([0x07, 0x00]))
    sockets[(0, 0)].inject_bit_errors(1)
    corrupted = spi.transfer(bytes([0x87, 0x00]))
    assert corrupted[0] != 0xFF and bin(corrupted[0] ^ 0xFF).count("1") == 1
    assert spi.transfer(bytes([0x87, 0x00])) == bytes([0xFF, 0x00])


def test_a_bit_error_on_mosi_reaches_the_chip():
    chips, sockets, factory = small_hat()
    sockets[(0, 0)].inject_bit_errors(1, direction="mosi")
    factory.spi(0, 0).transfer(bytes([0x07, 0x00]))
    (written,) = chips[0].transactions
    assert bin((written.register | (0x80 if written.op == "read" else 0)) ^ 0x07).count("1") == 1


def test_bit_error_rate_flips_about_that_share_of_the_bits():
    _, sockets, factory = small_hat()
    socket = sockets[(0, 1)]
    socket.spi_bit_error_rate = 0.01
    spi = factory.spi(0, 1)
    sent = 5000
    for _ in range(sent // 2):
        spi.transfer(bytes([0x85, 0x00]))
    expected = 2 * sent * 8 * 0.01  # MOSI and MISO of every byte
    assert 0.8 * expected < socket.bit_errors_injected < 1.2 * expected


def test_driving_reset_low_resets_every_chip_and_silences_the_bus():
    chips, _, factory = small_hat()
    reset = factory.gpio_out(RESET_GPIO, True)
    spi = factory.spi(0, 0)
    spi.transfer(bytes([0x03, 0x11]))
    reset.write(False)
    assert [chip.resets for chip in chips] == [1, 1]
    assert spi.transfer(bytes([0x83, 0x00])) == b"\xff\xff"  # held in reset
    reset.write(True)
    assert spi.transfer(bytes([0x83, 0x00])) == bytes([0xFF, RESET_VALUE])
    assert reset.pulses == 1


def test_interrupt_line_reads_low_while_the_chip_asserts_it():
    chips, sockets, factory = small_hat()
    line = factory.gpio_in(INT_GPIO)
    assert line.read() is True
    chips[0].assert_interrupt(True)
    assert line.read() is False
    sockets[(0, 0)].remove()
    assert line.read() is True  # an absent chip leaves the pull-up in charge
    with pytest.raises(HalError, match="GPIO 4 is an input"):
        line.write(False)


def test_an_edge_before_the_wait_is_latched_and_returned_at_once():
    chips, _, factory = small_hat()
    line = factory.gpio_in(INT_GPIO)

    async def main():
        chips[0].assert_interrupt(True)
        await aio.sleep_ms(30)
        seen = await line.wait_for_edge(Edge.FALLING, timeout_ms=100)
        return seen, aio.ticks_ms()

    assert host.run(main(), virtual=True) == (True, 30)


def test_wait_for_edge_wakes_when_the_chip_interrupts_and_times_out_otherwise():
    chips, _, factory = small_hat()
    line = factory.gpio_in(INT_GPIO)

    async def interrupt_later():
        await aio.sleep_ms(37)
        chips[0].assert_interrupt(True)

    async def main():
        aio.create_task(interrupt_later())
        woke = await line.wait_for_edge(Edge.FALLING, timeout_ms=500)
        woke_at = aio.ticks_ms()
        timed_out = await line.wait_for_edge(Edge.FALLING, timeout_ms=250)
        return woke, woke_at, timed_out, aio.ticks_ms()

    assert host.run(main(), virtual=True) == (True, 37, False, 287)


def test_a_returned_wait_clears_the_latch():
    latch = EdgeLatch(True)

    async def main():
        latch.record(False)
        latch.record(True)
        first = await latch.wait(Edge.RISING, timeout_ms=10)
        second = await latch.wait(Edge.BOTH, timeout_ms=10)
        return first, second

    assert host.run(main(), virtual=True) == (True, False)


def test_a_pulse_too_short_to_see_as_a_level_still_counts_as_both_edges():
    latch = EdgeLatch(True)

    async def main():
        latch.record(True, pulse=True)
        return await latch.wait(Edge.FALLING, timeout_ms=0)

    assert host.run(main(), virtual=True) is True
    assert latch.edges_seen == 2


def test_i2c_on_a_bus_without_the_eeprom_names_the_device_node():
    _, _, factory = small_hat()
    with pytest.raises(DeviceNotFound, match="/dev/i2c-1"):
        factory.i2c(1)


@pytest.mark.parametrize(
    ("start_count", "offset", "timeslot"),
    [(0, 0, 0), (8, 0, 1), (56, 0, 7), (64, 0, None), (4, 0, None), (9, 1, 1), (0, 1, None)],
)
def test_start_counts_map_to_timeslots_only_on_byte_boundaries(start_count, offset, timeslot):
    assert timeslot_for_start_count(start_count, offset) == timeslot
