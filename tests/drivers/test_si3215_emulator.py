"""The Si3215 emulator on its own: SPI framing, timing, interrupts, faults, the loop, audio."""

from __future__ import annotations

import numpy as np
import pytest

import aio
from aio import host
from drivers.sim.analog import FxsLoop, Linefeed
from drivers.sim.codec import ChipCodec
from drivers.sim.si3215 import Si3215Emulator


class Bus:
    """Raw ProSLIC framing on the emulator: one call per chip-select frame."""

    def __init__(self, emulator: Si3215Emulator) -> None:
        self.emulator = emulator

    def read(self, register: int) -> int:
        self.emulator.spi_exchange(0x80 | register)
        return self.emulator.spi_exchange(0x00)

    def write(self, register: int, value: int) -> None:
        self.emulator.spi_exchange(register)
        self.emulator.spi_exchange(value)

    def write_indirect(self, address: int, value: int) -> None:
        self.write(28, value & 0xFF)
        self.write(29, value >> 8)
        self.write(30, address)

    def read_indirect(self, address: int) -> int:
        self.write(30, address)
        while self.read(31):
            pass
        return self.read(28) | (self.read(29) << 8)

    def linefeed(self, state: int) -> None:
        self.write(64, state)


def powered(emulator: Si3215Emulator, bus: Bus) -> None:
    """Converter on, auto controls as the driver sets them."""
    bus.write(8, 0)
    bus.write(67, 0x07)
    bus.write(14, 0x00)


def run(main):
    return host.run(main(), virtual=True)


def test_reset_values_and_read_only_identity_bits():
    async def main():
        emulator = Si3215Emulator(FxsLoop())
        bus = Bus(emulator)
        values = [bus.read(reg) for reg in (0, 1, 8, 11, 64)]
        bus.write(1, 0x28)
        bus.write(0, 0x80)
        return values, bus.read(1), bus.read(0) & 0x0F

    values, pcm_mode, revision = run(main)
    assert values == [0x05, 0x88, 0x02, 0x33, 0x00]
    assert pcm_mode == 0xA8  # the Si3215 flag survives a write
    assert revision == 5


def test_indirect_access_writes_with_data_and_reads_without():
    async def main():
        emulator = Si3215Emulator(FxsLoop())
        bus = Bus(emulator)
        bus.write_indirect(15, 0x1234)
        busy_after_write = bus.read(31)
        clear_next = bus.read(31)
        return busy_after_write, clear_next, bus.read_indirect(15), emulator.indirect(15)

    assert run(main) == (1, 0, 0x1234, 0x1234)


def test_battery_ramps_in_about_200_ms_and_holds_with_the_converter_off():
    async def main():
        emulator = Si3215Emulator(FxsLoop())
        bus = Bus(emulator)
        bus.write(14, 0x00)
        codes = []
        for _ in range(30):
            codes.append(bus.read(82))
            await aio.sleep_ms(10)
        bus.write(14, 0x10)
        await aio.sleep_ms(500)
        return codes, bus.read(82)

    codes, after_off = run(main)
    assert codes[0] == 0 and codes == sorted(codes)
    first_full = next(i for i, code in enumerate(codes) if code >= 0xC0)
    assert 15 <= first_full <= 22  # 150-220 ms to reach 72 V
    assert codes[-1] == round(75 / 0.376)
    assert after_off > 0xC0 * 0.85  # a healthy loop holds most of the charge


def test_calibration_bits_clear_after_their_time():
    async def main():
        emulator = Si3215Emulator(FxsLoop())
        bus = Bus(emulator)
        bus.write(96, 0x5F)
        bus.write(93, 0x99)
        early = bus.read(96), bus.read(93)
        await aio.sleep_ms(30)
        middle = bus.read(96), bus.read(93)
        await aio.sleep_ms(130)
        return early, middle, (bus.read(96), bus.read(93))

    early, middle, late = run(main)
    assert early == (0x5F, 0x99)
    assert middle == (0x5F, 0x19)  # DC-DC calibration done after 20 ms
    assert late == (0x00, 0x19)  # full calibration after 150 ms


def test_loop_closure_raises_an_interrupt_only_when_enabled_and_clears_on_write():
    async def main():
        loop = FxsLoop()
        emulator = Si3215Emulator(loop)
        bus = Bus(emulator)
        changes: list[bool] = []
        emulator.on_interrupt_change(changes.append)
        powered(emulator, bus)
        bus.linefeed(1)
        await aio.sleep_ms(2)
        loop.set_hook(True, aio.monotonic())
        masked = emulator.interrupt_asserted, bus.read(19), bus.read(68)
        bus.write(22, 0xFF)
        enabled = emulator.interrupt_asserted
        bus.write(19, 0x02)
        return masked, enabled, emulator.interrupt_asserted, changes

    masked, enabled, cleared, changes = run(main)
    assert masked == (False, 0x02, 0x01)
    assert enabled and not cleared
    assert changes == [True, False]


def test_ring_trip_switches_ringing_to_forward_active():
    async def main():
        loop = FxsLoop()
        emulator = Si3215Emulator(loop)
        bus = Bus(emulator)
        powered(emulator, bus)
        bus.write(22, 0xFF)
        bus.linefeed(4)
        await aio.sleep_ms(2)
        ringing = loop.linefeed
        loop.set_hook(True, aio.monotonic())
        return ringing, loop.linefeed, bus.read(64), bus.read(68), bus.read(19)

    ringing, after, linefeed, status, interrupts = run(main)
    assert ringing is Linefeed.RINGING
    assert after is Linefeed.FORWARD_ACTIVE and linefeed == 0x11
    assert status == 0x03  # loop closed and ring trip
    assert interrupts == 0x03


def test_power_alarm_opens_the_linefeed_and_a_brown_out_resets_the_chip():
    async def main():
        loop = FxsLoop()
        emulator = Si3215Emulator(loop)
        bus = Bus(emulator)
        powered(emulator, bus)
        bus.write(22, 0xFF)
        bus.linefeed(1)
        await aio.sleep_ms(2)
        emulator.inject_power_alarm(transistor=3)
        alarm = bus.read(64), bus.read(19), emulator.interrupt_asserted, loop.linefeed
        bus.write(19, 0xFF)
        bus.linefeed(1)
        await aio.sleep_ms(2)
        emulator.inject_power_alarm(chip_reset=True)
        reset = bus.read(8), bus.read(64), emulator.interrupt_asserted, loop.linefeed
        return alarm, reset

    alarm, reset = run(main)
    assert alarm == (0x00, 0x10, True, Linefeed.OPEN)  # Q3: bit 4
    assert reset == (0x02, 0x00, False, Linefeed.OPEN)


def test_power_alarm_states_fault_trips_on_every_entry():
    async def main():
        loop = FxsLoop()
        emulator = Si3215Emulator(loop)
        bus = Bus(emulator)
        powered(emulator, bus)
        emulator.power_alarm_states = {4}
        bus.linefeed(1)
        await aio.sleep_ms(2)
        active = bus.read(64)
        bus.linefeed(4)
        await aio.sleep_ms(2)
        return active, bus.read(64), emulator.power_alarms

    assert run(main) == (0x11, 0x00, 1)


def test_ring_signal_and_neon_lamp_come_from_the_oscillator_words():
    async def main():
        loop = FxsLoop()
        emulator = Si3215Emulator(loop)
        bus = Bus(emulator)
        powered(emulator, bus)
        bus.write(74, 0x3F)
        await aio.sleep_ms(300)
        bus.write_indirect(7, 0x7E6D)  # 25 Hz
        bus.write_indirect(8, 0x01B9)  # about 65.7 V peak
        bus.linefeed(4)
        await aio.sleep_ms(2)
        sine = loop.ring_frequency_hz, loop.ring_amplitude_vpk, loop.ringing
        bus.linefeed(1)
        bus.write(34, 0x19)  # trapezoid with timers
        bus.write_indirect(7, 0x009F)
        bus.write_indirect(8, 0x7A00)  # 91.5 V
        bus.write_indirect(9, 0x03E8)
        bus.linefeed(4)
        await aio.sleep_ms(2)
        return sine, (loop.ringing, loop.message_waiting_lamp, loop.ring_frequency_hz)

    (frequency, amplitude, ringing), neon = run(main)
    assert frequency == pytest.approx(25, abs=0.02)
    assert amplitude == pytest.approx(65.7, abs=0.1)
    assert ringing
    assert neon == (False, True, pytest.approx(4.0))


def test_audio_crosses_the_loop_only_when_the_feed_carries_it():
    async def main():
        loop = FxsLoop()
        heard: list[np.ndarray] = []
        loop.phone_sink = heard.append
        tone = (8000 * np.sin(2 * np.pi * 1000 * np.arange(160) / 8000)).astype(np.int16)
        loop.phone_source = lambda n: tone[:n]
        emulator = Si3215Emulator(loop)
        bus = Bus(emulator)
        powered(emulator, bus)
        bus.write(1, 0x28)  # µ-law
        codec = ChipCodec("ulaw")
        line = codec.encode(tone).tobytes()
        bus.linefeed(1)
        await aio.sleep_ms(2)
        emulator.pcm_playback(line)  # active, on-hook: nothing reaches the phone
        idle_capture = emulator.pcm_capture(160)
        bus.linefeed(2)
        await aio.sleep_ms(2)
        emulator.pcm_playback(line)  # on-hook transmission: caller ID can pass
        bus.linefeed(1)
        await aio.sleep_ms(2)
        loop.set_hook(True, aio.monotonic())
        bus.write_indirect(13, 0x2000)  # receive gain halved
        emulator.pcm_playback(line)
        return heard, idle_capture, emulator.pcm_capture(160), line

    heard, idle_capture, capture, line = run(main)
    decoded = ChipCodec("ulaw").decode(line)
    assert not heard[0].any()
    assert np.array_equal(heard[1], decoded)
    assert np.allclose(heard[2], decoded * 0.5, atol=1)
    assert idle_capture == b"\xff" * 160
    assert capture == line


def test_pcm_timeslot_honours_the_start_count_offset():
    async def main():
        emulator = Si3215Emulator(FxsLoop(), start_count_offset=1)
        bus = Bus(emulator)
        bus.write(2, 8 * 3 + 1)
        bus.write(4, 8 * 3 + 1)
        before = emulator.pcm_tx_timeslot
        bus.write(1, 0x20)
        return before, emulator.pcm_tx_timeslot, emulator.pcm_rx_timeslot, emulator.law

    assert run(main) == (None, 3, 3, "alaw")
