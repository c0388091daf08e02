"""The Si3215 chip driver against its register-level emulator on the simulated SPI bus."""

from __future__ import annotations

import math

import pytest

import aio
from aio import host
from drivers import si3215_regs as r
from drivers.si3215 import (
    BatteryRampError,
    CalibrationError,
    ChipAbsentError,
    ChipInsaneError,
    IndirectAccessError,
    IndirectVerifyError,
    LoopLeakageError,
    ProslicConfig,
    Si3215,
)
from drivers.sim.analog import FxsLoop, Linefeed
from drivers.sim.bus import ChipSocket, SimSpiDevice
from drivers.sim.chip import Transaction
from drivers.sim.si3215 import Si3215Emulator


def make(part: str = "Si3215") -> tuple[Si3215, Si3215Emulator, FxsLoop]:
    loop = FxsLoop()
    emulator = Si3215Emulator(loop, part=part)
    return Si3215(SimSpiDevice(ChipSocket("fxs", emulator))), emulator, loop


def first(log: list[Transaction], start: int, **match) -> int:
    """Index of the first transaction at or after `start` with these field values."""
    for index in range(start, len(log)):
        if all(getattr(log[index], key) == value for key, value in match.items()):
            return index
    raise AssertionError(f"no transaction {match} after #{start}")


def test_initialisation_follows_the_documented_order():
    async def main():
        chip, emulator, _loop = make()
        await chip.initialise(ProslicConfig(ring_frequency_hz=25, ring_amplitude_vpk=75))
        chip.setup_pcm("alaw", timeslot=3)
        await chip.set_linefeed(r.LinefeedState.FORWARD_ACTIVE)
        return chip, emulator.transactions

    chip, log = host.run(main(), virtual=True)
    direct = [t for t in log if not t.indirect]
    # 1. Detection: revision, part, then the reset values of loopback, linefeed, hybrid.
    assert [(t.op, t.register) for t in direct[:5]] == [
        ("read", 0), ("read", 1), ("read", 8), ("read", 64), ("read", 11)
    ]  # fmt: skip
    assert str(chip.info) == "Si3215 rev E"
    # 2. Indirect registers loaded in table order at their Si3215 addresses.
    loaded = [t for t in log if t.indirect and t.op == "write"]
    present = [reg for reg in r.INDIRECT_REGISTERS if reg.si3215_address is not None]
    assert [t.register for t in loaded[: len(present)]] == [reg.si3215_address for reg in present]
    step = first(log, 0, indirect=True, op="write")
    # 3. Power-up: PWM period, converter on, then the battery polled until ≥ 72 V.
    step = first(log, step, op="write", register=92, value=0xFF)
    power_on = first(log, step, op="write", register=14, value=0x00)
    polls = [t for t in log[power_on:] if t.register == 82 and t.op == "read"]
    ramped = next(t for t in polls if t.value >= 0xC0)
    assert 0.1 < ramped.time_s - log[power_on].time_s < 0.3
    step = first(log, power_on, op="write", register=71, value=0)
    step = first(log, step, op="write", register=93, value=0x19)
    # 4. Leak test: linefeed open, converter off, battery watched for 500 ms.
    leak = first(log, step, op="write", register=14, value=0x10)
    assert log[leak - 1] == Transaction(log[leak - 1].time_s, "write", 64, 0)
    watched = [t for t in log[leak:] if t.register == 82][-1]
    assert watched.time_s - log[leak].time_s >= 0.49
    # 5. Powered up again, 6. calibration, 7. DC-DC calibration.
    step = first(log, leak, op="write", register=14, value=0x00)
    step = first(log, step, op="write", register=97, value=0x1F)
    calibrate = first(log, step, op="write", register=96, value=0x5F)
    done = first(log, calibrate, op="read", register=96, value=0)
    assert log[done].time_s - log[calibrate].time_s == pytest.approx(0.16, abs=0.011)
    step = first(log, done, op="write", register=93, value=0x99)
    step = first(log, step, op="read", register=107)
    # 8. Filters restored, then every indirect register read back.
    step = first(log, step, indirect=True, op="write", register=22, value=0x8000)
    verify = first(log, step, indirect=True, op="read")
    assert {t.register for t in log[verify:] if t.indirect and t.op == "read"} >= {
        reg.si3215_address for reg in present
    }
    # 9. PCM: A-law enabled, timeslot 3 = start count 24; 10. linefeed forward active.
    pcm = first(log, verify, op="write", register=1, value=0x20)
    assert [(t.register, t.value) for t in log[pcm + 1 : pcm + 5]] == [
        (2, 24), (3, 0), (4, 24), (5, 0)
    ]  # fmt: skip
    first(log, pcm, op="write", register=64, value=1)


def test_pcm_registers_give_the_emulated_chip_its_timeslot_and_law():
    async def main():
        chip, emulator, _loop = make()
        chip.detect()
        chip.setup_pcm("ulaw", timeslot=5)
        return emulator

    emulator = host.run(main(), virtual=True)
    assert (emulator.law, emulator.pcm_tx_timeslot, emulator.pcm_rx_timeslot) == ("ulaw", 5, 5)


def test_ring_generator_is_programmed_at_the_si3215_addresses():
    async def main():
        chip, emulator, loop = make()
        await chip.initialise(ProslicConfig(ring_frequency_hz=25, ring_amplitude_vpk=70))
        return emulator, loop

    emulator, loop = host.run(main(), virtual=True)
    oscillator, amplitude = r.ring_oscillator_coefficients(25, 70)
    assert (emulator.indirect(7), emulator.indirect(8)) == (oscillator, amplitude)
    assert loop.ring_frequency_hz == pytest.approx(25, abs=0.02)  # 16-bit coefficient
    assert loop.ring_amplitude_vpk == pytest.approx(70, abs=0.2)


def test_si3210_is_told_apart_and_keeps_its_own_indirect_addresses():
    async def main():
        chip, emulator, _loop = make("Si3210")
        await chip.initialise(ProslicConfig())
        return chip, emulator

    chip, emulator = host.run(main(), virtual=True)
    assert chip.info is not None and chip.info.part == "Si3210"
    assert emulator.indirect(0) == 0x55C2  # DTMF registers exist on the Si3210
    assert emulator.indirect(20) == r.ring_oscillator_coefficients(20, 75)[0]


def test_absent_chip_is_reported_with_what_to_check():
    chip = Si3215(SimSpiDevice(ChipSocket("empty")))
    with pytest.raises(ChipAbsentError, match=r"register 0 reads 0xFF.*chip select"):
        chip.detect()


def test_chip_not_at_its_reset_values_is_insane():
    async def main():
        chip, _emulator, _loop = make()
        chip.write(8, 0)  # as if a previous run had cleared the loopback and nobody reset it
        return chip

    chip = host.run(main(), virtual=True)
    with pytest.raises(ChipInsaneError, match="RESET line"):
        chip.detect()


def test_calibration_stuck_once_succeeds_on_the_retry():
    async def main():
        chip, emulator, _loop = make()
        emulator.calibration_stuck_runs = 1
        await chip.initialise(ProslicConfig())
        return emulator

    emulator = host.run(main(), virtual=True)
    starts = [t for t in emulator.transactions if t.op == "write" and t.register == 96]
    assert len(starts) == 2
    assert starts[1].time_s - starts[0].time_s == pytest.approx(2.0, abs=0.05)


def test_calibration_that_never_clears_fails_after_one_retry():
    async def main():
        chip, emulator, _loop = make()
        emulator.calibration_stuck_runs = math.inf
        with pytest.raises(CalibrationError, match="twice"):
            await chip.initialise(ProslicConfig())
        return [t for t in emulator.transactions if t.op == "write" and t.register == 96]

    starts = host.run(main(), virtual=True)
    assert len(starts) == 2


def test_battery_that_never_ramps_fails_power_up_after_500_ms():
    async def main():
        chip, emulator, _loop = make()
        emulator.battery_ramps = False
        start = aio.monotonic()
        with pytest.raises(BatteryRampError, match="supply and the DC-DC") as error:
            await chip.initialise(ProslicConfig())
        return aio.monotonic() - start, str(error.value)

    elapsed, message = host.run(main(), virtual=True)
    assert 0.5 <= elapsed < 0.6
    assert "reached only 4.1 V" in message


def test_leaking_loop_fails_the_leak_test():
    async def main():
        chip, emulator, _loop = make()
        emulator.loop_leak = True
        with pytest.raises(LoopLeakageError, match="short or leak"):
            await chip.initialise(ProslicConfig())

    host.run(main(), virtual=True)


def test_corrupted_indirect_register_fails_verification():
    async def main():
        chip, emulator, _loop = make()
        emulator.indirect_corruption[15] = 0x0100  # loop closure threshold on the Si3215
        with pytest.raises(IndirectVerifyError, match=r"IR28 \(loop closure threshold\)"):
            await chip.initialise(ProslicConfig())

    host.run(main(), virtual=True)


def test_stuck_indirect_interface_is_reported():
    async def main():
        chip, emulator, _loop = make()
        chip.detect()
        emulator.indirect_busy_stuck = True
        with pytest.raises(IndirectAccessError, match="register 31"):
            chip.write_indirect(28, 0x1000)

    host.run(main(), virtual=True)


def test_measurements_follow_the_loop():
    async def main():
        chip, _emulator, loop = make()
        await chip.initialise(ProslicConfig(loop_current_ma=26))
        await chip.set_linefeed(r.LinefeedState.FORWARD_ACTIVE)
        await aio.sleep(0.5)
        on_hook = chip.measurements()
        loop.set_hook(True, aio.monotonic())
        off_hook = chip.measurements()
        await chip.set_linefeed(r.LinefeedState.REVERSE_ACTIVE)
        reversed_ = chip.measurements()
        return on_hook, off_hook, reversed_

    on_hook, off_hook, reversed_ = host.run(main(), virtual=True)
    assert on_hook.battery_volts == pytest.approx(-85.5, abs=0.4)  # raised for 75 V ringing
    assert on_hook.loop_volts == pytest.approx(48, abs=0.4)  # on-hook voltage 48 V
    assert on_hook.loop_current_ma == 0
    assert off_hook.loop_current_ma == pytest.approx(26, abs=0.6)
    assert off_hook.loop_volts == pytest.approx(26 * 0.3, abs=0.4)  # through 300 Ω
    assert reversed_.loop_volts == pytest.approx(-off_hook.loop_volts, abs=0.4)


def test_linefeed_read_back_lags_the_write():
    async def main():
        chip, _emulator, loop = make()
        await chip.initialise(ProslicConfig())
        chip.write_linefeed(r.LinefeedState.FORWARD_ACTIVE)
        at_once = chip.linefeed(), loop.linefeed
        await aio.sleep_ms(2)
        later = chip.linefeed(), loop.linefeed
        return at_once, later

    at_once, later = host.run(main(), virtual=True)
    assert at_once == ((1, 0), Linefeed.OPEN)
    assert later == ((1, 1), Linefeed.FORWARD_ACTIVE)


def test_chip_reset_is_recognised_and_fast_reinitialisation_restores_it():
    async def main():
        chip, emulator, _loop = make()
        await chip.initialise(ProslicConfig())
        calibrations = len([t for t in emulator.transactions if t.register == 96])
        assert not chip.was_reset()
        emulator.inject_power_alarm(chip_reset=True)
        assert chip.was_reset()
        await chip.initialise(ProslicConfig(), fast=True)
        restored = [t for t in emulator.transactions if t.register == 96][calibrations:]
        return chip.was_reset(), restored

    was_reset, restored = host.run(main(), virtual=True)
    assert not was_reset
    assert [(t.op, t.value) for t in restored] == [("write", 0)]  # written back, not re-run


def test_register_dump_lists_direct_and_loaded_indirect_registers():
    async def main():
        chip, _emulator, _loop = make()
        await chip.initialise(ProslicConfig())
        return chip.register_dump()

    dump = host.run(main(), virtual=True)
    assert dump["direct"][11] == 0x33
    assert 7 not in dump["direct"] and 108 in dump["direct"]
    assert dump["indirect"][28] == 0x1000
    assert 0 not in dump["indirect"]  # no DTMF registers on the Si3215
