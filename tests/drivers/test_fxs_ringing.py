"""Ringing an FXS port: cadence and ring signal on the loop, caller ID in the silences."""

from __future__ import annotations

import ctypes

import numpy as np
import pytest

import aio
from aio import host
from bench.spandsp import load_library
from drivers.fxs import FxsSettings
from drivers.fxs_ringing import g711_encode
from drivers.ports import EventKind
from drivers.sim.analog import Linefeed
from drivers.sim.codec import ChipCodec
from drivers.sim.world.cid import caller_id_audio
from drivers.sim.world.phone import VirtualPhone
from firmware.countries import load_country
from tests.drivers.fxs_rig import FxsRig

SAMPLE_RATE = 8000


def run(main):
    return host.run(main(), virtual=True)


def fsk_burst(seconds: float = 0.6, seed: int = 7) -> np.ndarray:
    """Phase-continuous 1200/2200 Hz FSK of random bits at 1200 baud, about -13 dBm0."""
    rng = np.random.default_rng(seed)
    bits = rng.integers(0, 2, int(seconds * 1200))
    frequencies = np.repeat(np.where(bits, 1200.0, 2200.0), SAMPLE_RATE // 1200 + 1)
    frequencies = frequencies[: int(seconds * SAMPLE_RATE)]
    phase = 2 * np.pi * np.cumsum(frequencies) / SAMPLE_RATE
    return (5100 * np.sin(phase)).astype(np.int16)


def locate(audio: np.ndarray, burst: np.ndarray) -> tuple[int, float]:
    """Offset of `burst` in `audio` and the normalised correlation there."""
    correlation = np.correlate(audio.astype(float), burst.astype(float), mode="valid")
    offset = int(np.argmax(correlation))
    segment = audio[offset : offset + len(burst)].astype(float)
    score = correlation[offset] / (np.linalg.norm(segment) * np.linalg.norm(burst) + 1e-9)
    return offset, float(score)


async def started(country: str, **overrides) -> FxsRig:
    rig = FxsRig(FxsSettings.from_profile(load_country(country), **overrides))
    rig.start_highway()
    await rig.start()
    await aio.sleep(0.5)
    return rig


@pytest.mark.parametrize(
    ("country", "on_s", "off_s", "frequency_hz"),
    [("RU", 1.0, 4.0, 25.0), ("US", 2.0, 4.0, 20.0)],
)
def test_loop_sees_the_country_cadence_and_ring_signal(country, on_s, off_s, frequency_hz):
    async def main():
        rig = await started(country)
        seen: list[tuple[float, float, bool]] = []
        rig.loop.on_change(
            lambda loop, now: seen.append(
                (loop.ring_frequency_hz, loop.ring_amplitude_vpk, loop.ringing)
            )
        )
        rig.port.ring(load_country(country).ringing.cadences_ms.external)
        await aio.sleep(3 * (on_s + off_s) + 0.5)
        rig.port.stop_ringing()
        await aio.sleep(0.1)
        return rig, seen

    rig, seen = run(main)
    bursts = rig.feed_intervals(Linefeed.RINGING)
    silences = rig.feed_intervals(Linefeed.FORWARD_ON_HOOK_TRANSMISSION)
    assert len(bursts) == 4  # three full cycles and the start of the fourth
    assert [round(d, 4) for _, d in bursts[:3]] == [on_s] * 3
    assert [round(d, 4) for _, d in silences[:3]] == [off_s] * 3
    periods = np.diff([start for start, _ in bursts])
    assert periods == pytest.approx([on_s + off_s] * 3, abs=1e-6)
    ringing = [(f, v) for f, v, on in seen if on]
    assert ringing and all(f == pytest.approx(frequency_hz, abs=0.02) for f, _ in ringing)
    assert all(v == pytest.approx(75, abs=0.5) for _, v in ringing)


def test_caller_id_plays_in_the_silence_after_the_first_ring_over_the_engine_audio():
    async def main():
        rig = await started("US")
        tone = 3000 * np.sin(2 * np.pi * 1000 * np.arange(160) / SAMPLE_RATE)
        rig.engine_frame = ChipCodec("ulaw").encode(tone).tobytes()  # the engine keeps sending
        burst = fsk_burst()
        rig.port.ring([2000, 4000], caller_id=burst, caller_id_delay_ms=500)
        await aio.sleep(9)
        return rig, burst

    rig, burst = run(main)
    (first_start, first_on), (second_start, _) = rig.feed_intervals(Linefeed.RINGING)[:2]
    first_end = first_start + first_on
    audio = rig.line_audio(first_start, second_start + 0.1)
    offset, score = locate(audio, burst)
    assert score > 0.99  # the samples themselves, through G.711
    played_at = first_start + offset / SAMPLE_RATE
    assert 0.5 <= played_at - first_end <= 0.56  # 500 ms after the ring, plus PCM latency
    assert played_at + len(burst) / SAMPLE_RATE < second_start
    assert np.abs(audio[: int((first_end - first_start) * SAMPLE_RATE)]).max() == 0
    assert rig.slot.overruns == 0
    assert rig.port.counters["caller_ids"] == 1


def test_caller_id_waits_for_the_long_silence_of_a_double_ring():
    async def main():
        rig = await started("US")
        burst = fsk_burst()
        rig.port.ring([800, 400, 800, 4000], caller_id=burst, caller_id_delay_ms=500)
        await aio.sleep(12)
        return rig, burst

    rig, burst = run(main)
    rings = rig.feed_intervals(Linefeed.RINGING)[:4]
    starts = [start - rings[0][0] for start, _ in rings]
    assert starts == pytest.approx([0.0, 1.2, 6.0, 7.2], abs=0.03)  # the cadence untouched
    second_end = rings[1][0] + rings[1][1]
    audio = rig.line_audio(rings[0][0], rings[2][0] + 0.1)
    offset, score = locate(audio, burst)
    assert score > 0.99
    played_at = rings[0][0] + offset / SAMPLE_RATE
    assert 0.5 <= played_at - second_end <= 0.56


def test_caller_id_before_the_first_ring_follows_a_polarity_reversal():
    async def main():
        rig = await started("RU")
        burst = fsk_burst(0.8)
        start = aio.monotonic()
        rig.port.ring(
            [1000, 4000],
            caller_id=burst,
            caller_id_timing="before_first_ring",
            caller_id_delay_ms=300,
            alert="polarity_reversal",
        )
        await aio.sleep(3)
        return rig, burst, start

    rig, burst, start = run(main)
    feeds = [feed for at, feed in rig.feed_log if at >= start]
    assert feeds[:3] == [
        Linefeed.REVERSE_ON_HOOK_TRANSMISSION,
        Linefeed.FORWARD_ON_HOOK_TRANSMISSION,
        Linefeed.RINGING,
    ]
    ((reversed_at, _),) = rig.feed_intervals(Linefeed.REVERSE_ON_HOOK_TRANSMISSION)
    first_ring = rig.feed_intervals(Linefeed.RINGING)[0][0]
    audio = rig.line_audio(reversed_at, first_ring)
    offset, score = locate(audio, burst)
    assert score > 0.99
    played_at = reversed_at + offset / SAMPLE_RATE
    assert 0.3 <= played_at - reversed_at <= 0.36
    assert first_ring - (played_at + len(burst) / SAMPLE_RATE) >= 0.2


def test_caller_id_longer_than_the_silence_pushes_the_next_ring_back():
    async def main():
        rig = await started("US")
        rig.port.ring([500, 500], caller_id=fsk_burst(1.0), caller_id_delay_ms=200)
        await aio.sleep(4)
        return rig

    rig = run(main)
    (first, on), (second, _) = rig.feed_intervals(Linefeed.RINGING)[:2]
    assert second - (first + on) == pytest.approx(0.2 + 1.0 + 0.02 + 0.25, abs=0.03)


def test_answering_during_a_ring_stops_ringing_and_reports_one_off_hook():
    async def main():
        rig = await started("RU")
        rig.port.ring([1000, 4000])
        await aio.sleep(0.4)
        answered = aio.ticks_ms()
        rig.set_hook(True)
        await aio.sleep(6)
        return rig, answered

    rig, answered = run(main)
    assert rig.kinds() == [EventKind.OFF_HOOK]
    assert rig.events[0].at_ms == answered
    assert len(rig.feed_intervals(Linefeed.RINGING)) == 1
    assert rig.loop.linefeed is Linefeed.FORWARD_ACTIVE and not rig.port.ringing
    assert rig.port.status().state == "off_hook"


def test_answering_between_rings_stops_the_cadence():
    async def main():
        rig = await started("RU")
        rig.port.ring([1000, 4000])
        await aio.sleep(2)
        rig.set_hook(True)
        await aio.sleep(6)
        return rig

    rig = run(main)
    assert rig.kinds() == [EventKind.OFF_HOOK]
    assert len(rig.feed_intervals(Linefeed.RINGING)) == 1
    assert rig.loop.linefeed is Linefeed.FORWARD_ACTIVE


def test_line_stays_in_on_hook_transmission_after_ringing_stops():
    async def main():
        rig = await started("RU", on_hook_transmission_ms=6000)
        rig.port.ring([1000, 4000])
        await aio.sleep(0.5)
        rig.port.stop_ringing()
        stopped = aio.monotonic()
        await aio.sleep(7)
        return rig, stopped

    rig, stopped = run(main)
    ((start, duration),) = [
        (at, d)
        for at, d in rig.feed_intervals(Linefeed.FORWARD_ON_HOOK_TRANSMISSION)
        if at >= stopped
    ]
    assert start - stopped < 0.01
    assert duration == pytest.approx(6.0, abs=0.11)  # ends within one safety poll
    assert rig.loop.linefeed is Linefeed.FORWARD_ACTIVE


def test_ring_requests_are_validated():
    async def main():
        rig = await started("RU")
        with pytest.raises(ValueError, match="even count"):
            rig.port.ring([1000, 4000, 1000])
        with pytest.raises(ValueError, match="caller-ID alert"):
            rig.port.ring([1000, 4000], alert="flashing_lights")
        return rig

    rig = run(main)
    assert not rig.port.ringing and rig.feed_intervals(Linefeed.RINGING) == []


@pytest.mark.parametrize(
    ("country", "standard", "timing", "alert"),
    [
        ("US", "bell202", "after_first_ring", "none"),
        ("GB", "etsi_fsk", "before_first_ring", "polarity_reversal"),
    ],
)
def test_virtual_phone_rings_shows_the_caller_and_dials_back(country, standard, timing, alert):
    async def main():
        rig = FxsRig(FxsSettings.from_profile(load_country(country)))
        phone = VirtualPhone(rig.loop)  # an independent phone: ringer, display, dial
        rig.start_highway()
        await rig.start()
        await aio.sleep(0.5)
        cadence = load_country(country).ringing.cadences_ms.external
        audio = caller_id_audio("5551234", "ALICE", "03151430", standard)
        rig.port.ring(cadence, caller_id=audio, caller_id_timing=timing, alert=alert)
        await aio.sleep(sum(cadence) * 2 / 1000 + 0.3)
        shown = phone.caller_id()
        phone.off_hook(bounce_ms=40)
        await aio.sleep(0.5)
        await phone.dial_pulse("42")
        await phone.flash(300)
        await aio.sleep(1)
        return rig, phone, shown, cadence

    rig, phone, shown, cadence = run(main)
    assert shown is not None and (shown.number, shown.name) == ("5551234", "ALICE")
    assert phone.ring_cadence_ms()[: len(cadence)] == list(cadence)  # as the ringer heard it
    assert rig.kinds() == [EventKind.OFF_HOOK, EventKind.PULSE_DIGIT, EventKind.PULSE_DIGIT,
                           EventKind.FLASH]  # fmt: skip
    assert [e.digit for e in rig.events if e.digit] == ["4", "2"]


@pytest.mark.skipif(load_library() is None, reason="libspandsp2 is not installed")
def test_caller_id_encoding_matches_spandsp_g711_for_every_sample_value():
    lib = load_library()
    lib.g711_init.restype = ctypes.c_void_p
    lib.g711_init.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.g711_encode.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int]
    lib.g711_free.argtypes = [ctypes.c_void_p]
    samples = np.arange(-32768, 32768, dtype=np.int16)
    for mode, law in ((0, "alaw"), (1, "ulaw")):
        state = lib.g711_init(None, mode)
        reference = np.zeros(len(samples), dtype=np.uint8)
        lib.g711_encode(state, reference.ctypes.data, samples.ctypes.data, len(samples))
        lib.g711_free(state)
        ours = np.frombuffer(g711_encode(samples, law), dtype=np.uint8)
        differ = np.flatnonzero(ours != reference)
        if law == "alaw":
            assert differ.size == 0
        else:
            # spandsp rounds negative samples lying exactly on a decision level the other
            # way (it does not take the one's complement); one code step, nowhere else.
            assert differ.size <= 128 and (samples[differ] < 0).all()
            assert (np.abs(ours[differ].astype(int) - reference[differ]) == 1).all()
