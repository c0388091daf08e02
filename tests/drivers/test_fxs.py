"""FxsPort on the simulated hat bus: bring-up faults, hook timing through INT, power alarms."""

from __future__ import annotations

import math

import numpy as np
import pytest

import aio
from aio import host
from drivers.fxs import FxsSettings
from drivers.ports import EventKind, Health
from drivers.sim.analog import Linefeed
from drivers.sim.codec import ChipCodec
from firmware.countries import load_country
from tests.drivers.fxs_rig import FxsRig

RU = FxsSettings.from_profile(load_country("RU"))
ALARM_EVENTS = (EventKind.ALARM, EventKind.ALARM_CLEARED)


def run(main):
    return host.run(main(), virtual=True)


async def started(settings: FxsSettings = RU, **options) -> FxsRig:
    rig = FxsRig(settings, **options)
    await rig.start()
    await aio.sleep(0.5)
    return rig


async def hook_at(rig: FxsRig, schedule: list[tuple[float, bool]]) -> None:
    """Move the hook switch at exact virtual times (ms after now)."""
    start = aio.monotonic()
    for at_ms, off_hook in schedule:
        delay = start + at_ms / 1000 - aio.monotonic()
        if delay > 0:
            await aio.sleep(delay)
        rig.set_hook(off_hook)


# --- bring-up ------------------------------------------------------------------------------
def test_port_starts_idle_with_its_measurements():
    async def main():
        rig = await started()
        return rig, rig.port.status()

    rig, status = run(main)
    assert status.health is Health.OK and status.chip == "Si3215 rev E"
    assert status.state == "idle"
    assert rig.loop.linefeed is Linefeed.FORWARD_ACTIVE
    assert status.measurements["loop_v"] == pytest.approx(48, abs=0.5)
    assert status.measurements["battery_v"] < -72
    assert rig.events == []


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("absent", "no ProSLIC answers"),
        ("calibration", "calibration did not finish within 2000 ms, twice"),
        ("battery", "battery reached only"),
        ("leak", "short or leak on the line"),
        ("alarm", "would not power up"),
    ],
)
def test_chip_faults_leave_the_port_failed_with_a_readable_reason(fault, reason):
    async def main():
        rig = FxsRig(RU, fitted=fault != "absent")
        if fault == "calibration":
            rig.emulator.calibration_stuck_runs = math.inf
        elif fault == "battery":
            rig.emulator.battery_ramps = False
        elif fault == "leak":
            rig.emulator.loop_leak = True
        elif fault == "alarm":
            rig.emulator.power_alarm_states = {Linefeed.FORWARD_ACTIVE.value}
        await rig.start()  # never raises for chip faults
        rig.port.ring([1000, 4000])  # ignored, no crash
        await aio.sleep(1)
        return rig, rig.port.status()

    rig, status = run(main)
    assert status.health is Health.FAILED
    assert reason in status.reason and status.reason.startswith("port 0: ")
    assert [(e.kind, e.detail) for e in rig.events] == [(EventKind.FAILED, status.reason)]
    assert status.chip == ("absent" if fault == "absent" else "Si3215 rev E")
    assert rig.loop.linefeed is Linefeed.OPEN


# --- hook timing through the INT line ------------------------------------------------------
def test_contact_bounce_on_lifting_gives_one_off_hook():
    async def main():
        rig = await started()
        lifted = aio.ticks_ms()
        edges = [0, 4, 9, 15, 18, 26, 31, 38, 44, 47, 53, 56, 60]  # 3-8 ms toggles
        await hook_at(rig, [(t, i % 2 == 0) for i, t in enumerate(edges)])
        await aio.sleep(3)
        return rig, lifted

    rig, lifted = run(main)
    assert rig.kinds() == [EventKind.OFF_HOOK]
    assert rig.events[0].at_ms == lifted + 60
    assert rig.port.off_hook and rig.port.counters["interrupts"] >= 13


def test_contact_bounce_on_hanging_up_gives_one_on_hook_dated_at_the_first_break():
    async def main():
        rig = await started()
        await hook_at(rig, [(0, True)])
        await aio.sleep(1)
        dropped = aio.ticks_ms()
        edges = [0, 5, 8, 14, 20, 23, 30, 36, 41]  # ends on-hook
        await hook_at(rig, [(t, i % 2 == 1) for i, t in enumerate(edges)])
        await aio.sleep(2)
        return rig, dropped

    rig, dropped = run(main)
    assert rig.kinds() == [EventKind.OFF_HOOK, EventKind.ON_HOOK]
    assert rig.events[1].at_ms == dropped + 41  # the break that lasted


@pytest.mark.parametrize(
    ("break_ms", "expected"),
    [
        (100, [EventKind.FLASH]),
        (450, [EventKind.FLASH]),
        (800, [EventKind.FLASH]),
        (95, []),  # between the pulse and flash windows
        (8, []),  # shorter than the debounce
        (801, [EventKind.ON_HOOK, EventKind.OFF_HOOK]),
    ],
)
def test_flash_is_accepted_only_inside_the_profile_window(break_ms, expected):
    async def main():
        rig = await started()
        await hook_at(rig, [(0, True), (1000, False), (1000 + break_ms, True)])
        await aio.sleep(2)
        return rig

    rig = run(main)
    assert rig.kinds()[0] is EventKind.OFF_HOOK
    assert rig.kinds()[1:] == expected


def dial(digits: str, pps: float, break_ratio: float) -> list[tuple[float, bool]]:
    period = 1000 / pps
    schedule: list[tuple[float, bool]] = [(0, True)]
    t = 500.0
    for digit in digits:
        for _ in range(10 if digit == "0" else int(digit)):
            schedule += [(t, False), (t + period * break_ratio, True)]
            t += period
        t += 700
    return schedule


@pytest.mark.parametrize(("pps", "break_ratio"), [(10, 0.6), (10, 2 / 3), (8, 0.6), (12, 2 / 3)])
def test_pulse_digits_one_to_zero_decode(pps, break_ratio):
    async def main():
        rig = await started()
        await hook_at(rig, dial("1234567890", pps, break_ratio))
        await aio.sleep(1)
        return rig

    rig = run(main)
    assert rig.kinds() == [EventKind.OFF_HOOK] + [EventKind.PULSE_DIGIT] * 10
    assert "".join(e.digit or "" for e in rig.events[1:]) == "1234567890"


def test_pulse_digits_decode_by_polling_without_an_interrupt_line():
    async def main():
        rig = await started(interrupt=False)
        await hook_at(rig, dial("905", 10, 0.6))
        await aio.sleep(1)
        return rig

    rig = run(main)
    assert "".join(e.digit or "" for e in rig.events if e.digit) == "905"


# --- power alarms --------------------------------------------------------------------------
def test_power_alarm_during_ringing_is_restored_and_ringing_goes_on():
    async def main():
        rig = await started()
        rig.port.ring([1000, 4000])
        await aio.sleep(0.5)
        rig.emulator.inject_power_alarm(transistor=2)
        await aio.sleep(6)
        return rig

    rig = run(main)
    assert rig.kinds() == [EventKind.ALARM, EventKind.ALARM_CLEARED]
    assert "power alarm on Q2" in rig.events[0].detail
    assert rig.port.status().health is Health.OK
    bursts = rig.feed_intervals(Linefeed.RINGING)
    assert len(bursts) == 2  # the interrupted burst, then the next one on time
    assert bursts[1][1] == pytest.approx(1.0, abs=0.002)
    assert rig.port.ringing


def test_power_alarm_that_keeps_tripping_fails_the_port_after_bounded_retries():
    async def main():
        rig = await started(FxsSettings.from_profile(load_country("RU"), max_power_alarms=3))
        rig.emulator.power_alarm_states = {Linefeed.RINGING.value}
        rig.port.ring([400, 600])
        await aio.sleep(10)
        return rig

    rig = run(main)
    status = rig.port.status()
    assert status.health is Health.FAILED
    assert "tripped" in status.reason and "short circuit" in status.reason
    kinds = rig.kinds()
    assert kinds[-1] is EventKind.FAILED and kinds.count(EventKind.ALARM) == 3
    assert rig.loop.linefeed is Linefeed.OPEN
    assert not rig.port.ringing


def test_chip_reset_during_ringing_is_reinitialised_and_the_port_keeps_working():
    async def main():
        rig = await started()
        rig.port.ring([1000, 4000])
        await aio.sleep(0.5)
        rig.emulator.inject_power_alarm(chip_reset=True)
        await aio.sleep(2)
        after_reinit = rig.loop.linefeed
        rig.set_hook(True)
        await aio.sleep(0.2)
        return rig, after_reinit

    rig, after_reinit = run(main)
    assert rig.kinds() == [EventKind.ALARM, EventKind.ALARM_CLEARED, EventKind.OFF_HOOK]
    assert "reset itself" in rig.events[0].detail
    assert rig.port.counters["reinitialisations"] == 1
    assert after_reinit is Linefeed.FORWARD_ACTIVE
    assert rig.emulator.law == "alaw" and rig.emulator.pcm_tx_timeslot == 2


# --- line controls -------------------------------------------------------------------------
def test_polarity_reversal_and_back():
    async def main():
        rig = await started()
        rig.port.set_polarity(True)
        await aio.sleep(0.1)
        reversed_ = rig.loop.linefeed, rig.port.status().measurements["loop_v"]
        rig.port.set_polarity(False)
        await aio.sleep(0.1)
        return reversed_, rig.loop.linefeed

    (reversed_feed, loop_v), normal = run(main)
    assert reversed_feed is Linefeed.REVERSE_ACTIVE and loop_v == pytest.approx(-48, abs=0.5)
    assert normal is Linefeed.FORWARD_ACTIVE


def test_neon_message_waiting_lamp_lights_on_hook_and_goes_out_off_hook():
    async def main():
        rig = await started()
        rig.port.set_message_waiting(True)
        await aio.sleep(0.1)
        lit = rig.loop.message_waiting_lamp, rig.loop.ringing
        rig.set_hook(True)
        await aio.sleep(0.2)
        off_hook = rig.loop.message_waiting_lamp, rig.loop.linefeed
        rig.set_hook(False)
        await aio.sleep(1.5)
        relit = rig.loop.message_waiting_lamp
        rig.port.set_message_waiting(False)
        await aio.sleep(0.1)
        return rig, lit, off_hook, relit

    rig, lit, off_hook, relit = run(main)
    assert lit == (True, False)  # the lamp flashes; the bell stays silent
    assert off_hook == (False, Linefeed.FORWARD_ACTIVE)
    assert relit
    assert not rig.loop.message_waiting_lamp and rig.loop.linefeed is Linefeed.FORWARD_ACTIVE
    assert rig.kinds() == [EventKind.OFF_HOOK, EventKind.ON_HOOK]


def test_audio_flows_both_ways_with_the_phone_off_hook():
    t = np.arange(160) / 8000
    to_phone = (6000 * np.sin(2 * np.pi * 1000 * t)).astype(np.int16)
    from_phone = (6000 * np.sin(2 * np.pi * 400 * t)).astype(np.int16)

    async def main():
        rig = FxsRig(RU)
        rig.start_highway()
        await rig.start()
        rig.loop.phone_source = lambda n: np.resize(from_phone, n)
        rig.engine_frame = ChipCodec("alaw").encode(to_phone).tobytes()
        await aio.sleep(0.5)
        on_hook_heard = rig.line_audio(0, aio.monotonic())
        rig.received.clear()
        rig.set_hook(True)
        await aio.sleep(0.5)
        return rig, on_hook_heard, aio.monotonic()

    rig, on_hook_heard, end = run(main)
    assert not on_hook_heard.any()  # an idle on-hook phone hears nothing
    heard = rig.line_audio(end - 0.2, end)
    assert np.corrcoef(heard, np.resize(to_phone, len(heard)))[0, 1] > 0.99
    codec = ChipCodec("alaw")
    captured = codec.decode(b"".join(rig.received[-5:]))
    assert np.corrcoef(captured, np.resize(from_phone, len(captured)))[0, 1] > 0.99


def test_settings_come_from_the_country_profile_and_reject_bad_values():
    us = FxsSettings.from_profile(load_country("US"), loop_current_ma=26)
    assert (us.law, us.ring_frequency_hz, us.flash_ms, us.loop_current_ma) == (
        "ulaw",
        20.0,
        (250, 1100),
        26,
    )
    assert RU.law == "alaw" and RU.ring_frequency_hz == 25.0
    with pytest.raises(ValueError, match="loop current 50 mA is outside 20-41 mA"):
        FxsSettings(loop_current_ma=50)
    with pytest.raises(ValueError, match="ring amplitude 95"):
        FxsSettings(ring_amplitude_vpk=95)
    with pytest.raises(ValueError, match="message-waiting mode"):
        FxsSettings(message_waiting="led")
    with pytest.raises(TypeError, match="unknown FXS settings: colour"):
        FxsSettings.from_profile(load_country("RU"), colour="red")
