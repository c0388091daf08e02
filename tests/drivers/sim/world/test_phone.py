"""The virtual phone against a bare FxsLoop that the test drives as an SLIC would."""

import numpy as np
import pytest

import aio
from aio import host
from drivers.sim.analog import FxsLoop, Linefeed
from drivers.sim.world import VirtualPhone
from firmware.countries import load_country
from tests.drivers.sim.world import spandsp_ref as ref
from tests.drivers.sim.world.analog_peers import component_dbm0, pump_slic, tone
from tests.drivers.sim.world.tone_audio import cadenced, through_g711


def powered_loop() -> FxsLoop:
    loop = FxsLoop()
    loop.set_feed(Linefeed.FORWARD_ACTIVE, 0.0)
    loop.battery_volts = 48
    return loop


def hook_transitions(loop: FxsLoop) -> list[tuple[float, bool]]:
    seen: list[tuple[float, bool]] = []
    state = {"off_hook": loop.off_hook}

    def listener(changed: FxsLoop, now: float) -> None:
        if changed.off_hook != state["off_hook"]:
            state["off_hook"] = changed.off_hook
            seen.append((now, changed.off_hook))

    loop.on_change(listener)
    return seen


async def ring_cadence(loop: FxsLoop, cadence_ms, cycles: int, frequency_hz: float) -> None:
    loop.ring_frequency_hz, loop.ring_amplitude_vpk = frequency_hz, 75.0
    for _ in range(cycles):
        for index, duration in enumerate(cadence_ms):
            feed = Linefeed.RINGING if index % 2 == 0 else Linefeed.FORWARD_ACTIVE
            loop.set_feed(feed, aio.monotonic())
            await aio.sleep_ms(duration)


@pytest.mark.parametrize(("code", "frequency"), [("RU", 25.0), ("US", 20.0)])
def test_ringer_logs_the_countrys_ring_cadence(code, frequency):
    cadence = load_country(code).ringing.cadences_ms.external

    async def main():
        loop = powered_loop()
        phone = VirtualPhone(loop)
        await aio.sleep(0.5)
        await ring_cadence(loop, cadence, 3, frequency)
        return phone

    phone = host.run(main(), virtual=True)
    assert phone.ring_cadence_ms() == pytest.approx(list(cadence) * 2 + [cadence[0]], abs=1)
    assert phone.ring_log[0].start_s == pytest.approx(0.5)
    assert {ring.frequency_hz for ring in phone.ring_log} == {frequency}
    assert {ring.amplitude_vpk for ring in phone.ring_log} == {75.0}
    assert not phone.is_ringing()


def test_is_ringing_follows_the_ring_voltage():
    async def main():
        loop = powered_loop()
        phone = VirtualPhone(loop)
        loop.ring_amplitude_vpk = 75.0
        loop.set_feed(Linefeed.RINGING, aio.monotonic())
        during = phone.is_ringing()
        await aio.sleep(1)
        loop.set_feed(Linefeed.FORWARD_ACTIVE, aio.monotonic())
        return during, phone.is_ringing(), phone.ring_log

    during, after, log = host.run(main(), virtual=True)
    assert during and not after
    assert log[0].duration_s == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("code", "name"),
    [("RU", "dial"), ("RU", "busy"), ("US", "ringback"), ("US", "congestion"), ("GB", "ringback")],
)
def test_earpiece_recognises_tones_played_down_the_loop(code, name):
    profile = load_country(code)
    spec = profile.tones[name]
    seconds = max(2.0, 2 * sum(spec.cadence_ms) / 1000 + 0.5)
    audio = through_g711(cadenced(spec, seconds + 1), profile.g711_law)

    async def main():
        loop = powered_loop()
        phone = VirtualPhone(loop, tones=profile.tones)
        phone.off_hook()
        await pump_slic(loop, seconds + 1, play=audio)
        return phone.hears(seconds)

    heard = host.run(main(), virtual=True)
    assert heard.tone == name
    assert all(any(abs(f - g) < 2 for g in heard.frequencies) for f in spec.frequencies)


def test_earpiece_records_only_while_off_hook_with_timestamps():
    audio = tone((1000.0,), -10, 4.0)

    async def main():
        loop = powered_loop()
        phone = VirtualPhone(loop)
        await pump_slic(loop, 1.0, play=audio)
        phone.off_hook()
        lifted = aio.monotonic()
        await pump_slic(loop, 1.0, play=audio[8000:])
        return phone, lifted

    phone, lifted = host.run(main(), virtual=True)
    assert len(phone.earpiece(10)) == 8000
    assert phone.level_at(1000.0, 1.0) == pytest.approx(-10, abs=0.3)
    first = phone.first_heard(1000.0, after=0.0)
    assert first is not None and lifted <= first <= lifted + 0.03


def test_first_heard_marks_when_a_tone_arrives():
    async def main():
        loop = powered_loop()
        phone = VirtualPhone(loop)
        phone.off_hook()
        await pump_slic(loop, 0.5)
        started = aio.monotonic()
        await pump_slic(loop, 0.5, play=tone((1000.0,), -20, 0.5))
        return phone, started

    phone, started = host.run(main(), virtual=True)
    heard = phone.first_heard(1000.0, after=0.0)
    # The block handed over at `started + 20 ms` plays from that moment on.
    assert heard is not None and started + 0.02 <= heard <= started + 0.02 + 0.011


@pytest.mark.parametrize(
    ("spandsp_standard", "message", "number", "name"),
    [
        (ref.ADSI_STANDARD_CLASS, b"\x04\x00" + b"112409305551234", "5551234", None),
        (
            ref.ADSI_STANDARD_CLASS,
            ref.mdmf(0x80, [(1, b"11240930"), (2, b"2125551234"), (7, b"DOE JANE")]),
            "2125551234",
            "DOE JANE",
        ),
        (
            ref.ADSI_STANDARD_CLIP,
            ref.mdmf(0x80, [(1, b"11240930"), (2, b"84957654321"), (7, b"Sidorov")]),
            "84957654321",
            "Sidorov",
        ),
        (ref.ADSI_STANDARD_CLIP_DTMF, b"A84957654321C", "84957654321", None),
    ],
)
def test_display_decodes_spandsp_caller_id_between_rings(spandsp_standard, message, number, name):
    audio = ref.adsi_generate(spandsp_standard, message)

    async def main():
        loop = powered_loop()
        phone = VirtualPhone(loop)
        loop.ring_amplitude_vpk = 75.0
        loop.set_feed(Linefeed.RINGING, aio.monotonic())
        await pump_slic(loop, 2.0)
        loop.set_feed(Linefeed.FORWARD_ON_HOOK_TRANSMISSION, aio.monotonic())
        await pump_slic(loop, 0.5)
        await pump_slic(loop, 3.5, play=audio)
        loop.set_feed(Linefeed.RINGING, aio.monotonic())
        await pump_slic(loop, 2.0)
        return phone.caller_id()

    caller = host.run(main(), virtual=True)
    assert caller is not None
    assert (caller.number, caller.name) == (number, name)


def test_display_shows_message_waiting_from_fsk():
    audio = ref.adsi_generate(ref.ADSI_STANDARD_CLIP, ref.mdmf(0x82, [(0x0B, b"\xff")]))

    async def main():
        loop = powered_loop()
        phone = VirtualPhone(loop)
        before = phone.message_waiting
        loop.set_feed(Linefeed.FORWARD_ON_HOOK_TRANSMISSION, aio.monotonic())
        await pump_slic(loop, 2.0, play=np.concatenate((np.zeros(800, np.int16), audio)))
        return before, phone.message_waiting

    assert host.run(main(), virtual=True) == (False, True)


def test_earpiece_keeps_the_whole_call_across_pulse_dialling():
    async def main():
        loop = powered_loop()
        phone = VirtualPhone(loop)
        phone.off_hook()
        pump = aio.create_task(pump_slic(loop, 3.0, play=tone((425.0,), -10, 3.0)))
        await aio.sleep(0.5)
        await phone.dial_pulse("2", interdigit_ms=300)
        await pump
        return phone

    phone = host.run(main(), virtual=True)
    assert len(phone.earpiece(10)) == 3 * 8000
    assert phone.hears(2.0).frequencies == pytest.approx((425.0,), abs=1)


def test_pulse_dialling_breaks_the_loop_with_the_dial_timing():
    async def main():
        loop = powered_loop()
        phone = VirtualPhone(loop)
        transitions = hook_transitions(loop)
        phone.off_hook()
        await aio.sleep(1)
        await phone.dial_pulse("307", pps=10, break_ratio=0.6, interdigit_ms=700)
        return transitions

    transitions = host.run(main(), virtual=True)
    times = np.array([t for t, _ in transitions])
    states = [s for _, s in transitions]
    assert states[0] is True and states[1::2] == [False] * 20 and all(states[2::2])
    breaks = times[2::2] - times[1::2]
    makes = times[3::2] - times[2:-1:2]
    assert breaks == pytest.approx(0.060, abs=1e-6)
    # Makes inside a digit are 40 ms; the pause between digits is the interdigit time.
    gaps = sorted(set(np.round(makes, 3)))
    assert gaps == [0.04, 0.7]
    digit_sizes = [len(group) for group in np.split(breaks, np.flatnonzero(makes > 0.5) + 1)]
    assert digit_sizes == [3, 10, 7]


def test_dtmf_dialling_sends_tones_that_spandsp_decodes():
    async def main():
        loop = powered_loop()
        phone = VirtualPhone(loop)
        phone.off_hook()
        pump = aio.create_task(pump_slic(loop, 4.0))
        await aio.sleep(0.3)
        await phone.dial_dtmf("0123456789*#", on_ms=80, off_ms=80)
        return await pump

    captured = host.run(main(), virtual=True)
    assert ref.dtmf_decode(captured) == "0123456789*#"
    zero = captured[2400 + 80 : 2400 + 560]  # "0" keyed at 0.3 s: 941 + 1336 Hz
    assert component_dbm0(zero, 941.0) == pytest.approx(-7, abs=0.2)
    assert component_dbm0(zero, 1336.0) == pytest.approx(-5, abs=0.2)


def test_say_puts_a_tone_into_the_mouthpiece_only_while_off_hook():
    async def main():
        loop = powered_loop()
        phone = VirtualPhone(loop)
        phone.say(1000.0, level_dbm0=-16)
        on_hook = await pump_slic(loop, 0.5)
        phone.off_hook()
        off_hook = await pump_slic(loop, 1.0)
        phone.say(None)
        quiet = await pump_slic(loop, 0.5)
        return on_hook, off_hook, quiet

    on_hook, off_hook, quiet = host.run(main(), virtual=True)
    assert not on_hook.any() and not quiet.any()
    assert component_dbm0(off_hook, 1000.0) == pytest.approx(-16, abs=0.05)
    # Phase-continuous across blocks: one sine fits the whole second.
    t = np.arange(len(off_hook)) / 8000
    basis = np.stack((np.sin(2 * np.pi * 1000 * t), np.cos(2 * np.pi * 1000 * t)), 1)
    fit, *_ = np.linalg.lstsq(basis, off_hook.astype(float), rcond=None)
    residual = off_hook - basis @ fit
    assert np.sqrt(np.mean(residual**2)) < 1.0  # rounding only


def test_hook_switch_bounce_chatters_then_settles():
    async def main():
        loop = powered_loop()
        phone = VirtualPhone(loop)
        transitions = hook_transitions(loop)
        start = aio.monotonic()
        phone.off_hook(bounce_ms=60)
        await aio.sleep(0.5)
        return transitions, start, loop.off_hook

    transitions, start, settled = host.run(main(), virtual=True)
    assert settled
    assert 5 <= len(transitions) <= 9
    assert transitions[-1][0] - start <= 0.060
    opens = [b[0] - a[0] for a, b in zip(transitions[1::2], transitions[2::2], strict=False)]
    assert all(0.001 <= width <= 0.012 for width in opens)


def test_flash_opens_the_loop_for_the_requested_time():
    async def main():
        loop = powered_loop()
        phone = VirtualPhone(loop)
        phone.off_hook()
        transitions = hook_transitions(loop)
        await phone.flash(ms=250)
        return transitions

    transitions = host.run(main(), virtual=True)
    assert [s for _, s in transitions] == [False, True]
    assert transitions[1][0] - transitions[0][0] == pytest.approx(0.25)


def test_dialling_on_hook_is_refused_with_a_clear_message():
    async def main():
        phone = VirtualPhone(powered_loop())
        with pytest.raises(RuntimeError, match="off_hook"):
            await phone.dial_dtmf("1")
        phone.off_hook()
        with pytest.raises(ValueError, match="rotary"):
            await phone.dial_pulse("1#")

    host.run(main(), virtual=True)
