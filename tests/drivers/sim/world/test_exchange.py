"""The virtual exchange line against a bare TelephoneLine that the test drives as a DAA."""

import numpy as np
import pytest

import aio
from aio import host
from drivers.sim.analog import TelephoneLine
from drivers.sim.world import LineState, VirtualExchangeLine
from firmware.countries import load_country
from tests.drivers.sim.world import spandsp_ref as ref
from tests.drivers.sim.world.analog_peers import component_dbm0, pump_daa, tone

RU = load_country("RU").tones
US = load_country("US").tones


def line_events(line: TelephoneLine) -> list[tuple[float, str, object]]:
    """(time, attribute, value) each time ringing, polarity or battery changes."""
    seen: list[tuple[float, str, object]] = []
    last = {"ringing": line.ringing, "polarity": line.polarity, "battery": line.battery_volts}

    def listener(changed: TelephoneLine, now: float) -> None:
        for key, value in (
            ("ringing", changed.ringing),
            ("polarity", changed.polarity),
            ("battery", changed.battery_volts),
        ):
            if value != last[key]:
                last[key] = value
                seen.append((now, key, value))

    line.on_change(listener)
    return seen


def ring_times(events) -> list[tuple[float, bool]]:
    return [(t, v) for t, k, v in events if k == "ringing"]


def on_off_ms(audio: np.ndarray, threshold: float = 1000.0) -> list[int]:
    """Durations (ms) of complete loud/quiet runs, from a 1 ms peak envelope."""
    loud = np.abs(audio[: len(audio) // 8 * 8]).reshape(-1, 8).max(axis=1) > threshold
    edges = np.flatnonzero(np.diff(loud.astype(int))) + 1
    return np.diff(edges).tolist()


CLASS, CLIP = ref.ADSI_STANDARD_CLASS, ref.ADSI_STANDARD_CLIP
CLIP_DTMF = ref.ADSI_STANDARD_CLIP_DTMF
EU, NA = (1000, 4000), (2000, 4000)
CID_CASES = [
    ("bell202", "after_first_ring", "none", CLASS, NA, 500),
    ("etsi_fsk", "after_first_ring", "none", CLIP, EU, 600),
    ("dtmf", "after_first_ring", "none", CLIP_DTMF, EU, 600),
    ("bell202", "before_first_ring", "dt_as", CLASS, NA, 300),
    ("etsi_fsk", "before_first_ring", "polarity_reversal", CLIP, EU, 300),
    ("dtmf", "before_first_ring", "polarity_reversal", CLIP_DTMF, EU, 300),
    ("etsi_fsk", "before_first_ring", "ring_pulse", CLIP, EU, 500),
]


@pytest.mark.parametrize(("standard", "timing", "alert", "spandsp", "cadence", "delay"), CID_CASES)
def test_ring_cadence_and_caller_id_decoded_by_spandsp(
    standard, timing, alert, spandsp, cadence, delay
):
    async def main():
        line = TelephoneLine()
        exchange = VirtualExchangeLine(line, tones=RU)
        events = line_events(line)
        pump = aio.create_task(pump_daa(line, 14.0))
        answered = await exchange.ring(
            "4951234567",
            standard=standard,
            timing=timing,
            alert=alert,
            cadence_ms=cadence,
            cid_delay_ms=delay,
            max_rings=2,
        )
        return answered, events, await pump, exchange

    answered, events, captured, exchange = host.run(main(), virtual=True)
    assert answered is False and exchange.state is LineState.IDLE
    rings = ring_times(events)
    if alert == "ring_pulse":
        assert rings[1][0] - rings[0][0] == pytest.approx(0.25)
        rings = rings[2:]
    on_ms = [round((b[0] - a[0]) * 1000) for a, b in zip(rings[::2], rings[1::2], strict=True)]
    off_ms = [round((b[0] - a[0]) * 1000) for a, b in zip(rings[1::2], rings[2::2], strict=False)]
    assert on_ms == [cadence[0]] * 2 and off_ms == [cadence[1]]
    messages = ref.adsi_decode(spandsp, captured)
    assert len(messages) == 1
    assert b"4951234567" in messages[0]
    # Where the caller ID sits: between the first two rings, or before the first.
    loud = np.flatnonzero(np.abs(captured) > 2000)
    starts_s, ends_s = loud[0] / 8000, loud[-1] / 8000
    if timing == "after_first_ring":
        assert rings[1][0] + delay / 1000 <= starts_s + 0.021
        assert ends_s < rings[2][0]
    else:
        assert ends_s < rings[0][0]
    if alert == "polarity_reversal":
        flips = [t for t, k, _v in events if k == "polarity"]
        assert flips[0] < starts_s and flips[0] + delay / 1000 <= starts_s + 0.021
        assert len(flips) == 2 and flips[1] >= rings[-1][0]  # restored when the call ends


def test_dual_tone_alert_precedes_caller_id():
    async def main():
        line = TelephoneLine()
        exchange = VirtualExchangeLine(line, tones=RU)
        pump = aio.create_task(pump_daa(line, 3.0))
        ringing = aio.create_task(
            exchange.ring(
                "5551234",
                standard="etsi_fsk",
                timing="before_first_ring",
                alert="dt_as",
                cid_delay_ms=100,
            )
        )
        captured = await pump
        exchange.hang_up()
        await ringing
        return captured

    captured = host.run(main(), virtual=True)
    alert = captured[80:720]  # the alert starts with the ring call and lasts 100 ms
    assert component_dbm0(alert, 2130.0) == pytest.approx(-12, abs=0.3)
    assert component_dbm0(alert, 2750.0) == pytest.approx(-12, abs=0.3)


def test_answering_trips_the_ring_and_connects_the_far_end():
    async def main():
        line = TelephoneLine()
        exchange = VirtualExchangeLine(line, tones=US)
        events = line_events(line)
        ringing = aio.create_task(exchange.ring("2125551234", name="DOE JANE", cadence_ms=NA))
        pump = aio.create_task(pump_daa(line, 10.0))
        await aio.sleep(6.5)  # during the second ring
        answer_time = aio.monotonic()
        line.set_hook(True, answer_time)
        answered = await ringing
        exchange.say(1000.0, level_dbm0=-15)
        captured = await pump
        return answered, answer_time, events, captured, exchange

    answered, answer_time, events, captured, exchange = host.run(main(), virtual=True)
    assert answered and exchange.answered and exchange.state is LineState.CONNECTED
    assert ring_times(events)[-1] == (answer_time, False)
    assert component_dbm0(captured[8 * 8000 :], 1000.0) == pytest.approx(-15, abs=0.2)


def test_seized_line_gets_dial_tone_until_the_first_spandsp_digit():
    digits = ref.dtmf_generate("84951234567", level_dbm0=-8, on_ms=60, off_ms=60)
    send = np.concatenate((np.zeros(8000, np.int16), digits))

    async def main():
        line = TelephoneLine()
        exchange = VirtualExchangeLine(line, tones=RU, answer_after_s=4.0)
        line.set_hook(True, aio.monotonic())
        captured = await pump_daa(line, 8.0, send=send)
        return exchange, captured

    exchange, captured = host.run(main(), virtual=True)
    assert exchange.digits_received() == "84951234567"
    dial_tone = captured[800:7200]
    assert component_dbm0(dial_tone, 425.0) == pytest.approx(-10, abs=0.2)
    assert component_dbm0(captured[9000:12000], 425.0) < -60  # stopped at the first digit
    # Ringback (425 Hz, 1 s on) follows a second after the last digit.
    last_digit_s = (8000 + len(digits)) / 8000
    ringback = captured[int((last_digit_s + 1.2) * 8000) : int((last_digit_s + 1.8) * 8000)]
    assert component_dbm0(ringback, 425.0) == pytest.approx(-10, abs=0.3)
    assert exchange.answered and exchange.state is LineState.CONNECTED


def test_exchange_decodes_pulse_digits_from_the_loop():
    async def main():
        line = TelephoneLine()
        exchange = VirtualExchangeLine(line, tones=RU)
        line.set_hook(True, aio.monotonic())
        await aio.sleep(1)
        for digit in "205":
            for _ in range(10 if digit == "0" else int(digit)):
                line.set_hook(False, aio.monotonic())
                await aio.sleep_ms(60)
                line.set_hook(True, aio.monotonic())
                await aio.sleep_ms(40)
            await aio.sleep_ms(600)
        return exchange.digits_received(), exchange.state

    digits, state = host.run(main(), virtual=True)
    assert digits == "205" and state in (LineState.DIALLING, LineState.RINGBACK)


def test_echo_has_the_configured_return_loss_and_delay():
    rng = np.random.default_rng(5)
    # Voice-band noise at −10 dBm0: what the DAA sends.
    sent = np.fft.irfft(
        np.fft.rfft(rng.normal(0, 1, 48000))
        * np.r_[np.zeros(1800), np.ones(13800 - 1800), np.zeros(24001 - 13800)]
    )
    sent = np.round(sent / np.sqrt(np.mean(sent**2)) * 16140 * 10 ** (-10 / 20)).astype(np.int16)

    async def main():
        line = TelephoneLine()
        exchange = VirtualExchangeLine(
            line, tones=RU, echo_return_loss_db=12, echo_delay_ms=4, noise_dbm0=-90
        )
        line.set_hook(True, aio.monotonic())
        exchange.answer()
        return await pump_daa(line, 6.0, send=sent)

    received = host.run(main(), virtual=True).astype(float)
    power = np.mean(received[8000:40000] ** 2) / np.mean(sent[8000:40000].astype(float) ** 2)
    assert 10 * np.log10(power) == pytest.approx(-12, abs=1.0)
    # Cross-correlation by FFT: the lag at which what was sent comes back.
    size = 1 << 16
    spectrum = np.fft.rfft(received[8000:24000], size) * np.conj(
        np.fft.rfft(sent[8000:24000].astype(float), size)
    )
    lag = int(np.argmax(np.abs(np.fft.irfft(spectrum, size)[:4000])))
    assert 160 + 32 <= lag <= 160 + 32 + 8  # one PCM block, 4 ms bulk delay, then dispersion


def test_line_noise_is_at_the_configured_level():
    async def main():
        line = TelephoneLine()
        VirtualExchangeLine(line, tones=RU, noise_dbm0=-60)
        line.set_hook(True, aio.monotonic())
        return await pump_daa(line, 2.0)

    audio = host.run(main(), virtual=True).astype(float)
    # Dial tone is on the line too: measure the noise density well away from 425 Hz.
    spectrum = np.abs(np.fft.rfft(audio * np.hanning(len(audio)))) ** 2
    frequencies = np.fft.rfftfreq(len(audio), 1 / 8000)
    band = (frequencies > 1000) & (frequencies < 3500)
    noise_density = np.mean(spectrum[band]) / np.sum(np.hanning(len(audio)) ** 2)
    noise_dbm0 = 10 * np.log10(noise_density / (16140**2))
    assert noise_dbm0 == pytest.approx(-60, abs=1.0)


def test_loop_hang_up_removes_battery_for_800_ms_then_the_line_idles():
    async def main():
        line = TelephoneLine()
        exchange = VirtualExchangeLine(line, tones=RU)
        events = line_events(line)
        line.set_hook(True, aio.monotonic())
        exchange.answer()
        await aio.sleep(1)
        exchange.hang_up("loop")
        cleared = exchange.state
        await aio.sleep(2)
        line.set_hook(False, aio.monotonic())
        await aio.sleep(1)
        return events, cleared, exchange.state

    events, cleared, final = host.run(main(), virtual=True)
    battery = [(t, v) for t, k, v in events if k == "battery"]
    assert battery[0] == (pytest.approx(1.0), 0) and battery[1][1] == 48.0
    assert battery[1][0] - battery[0][0] == pytest.approx(0.8)
    assert cleared is LineState.CLEARED and final is LineState.IDLE


def test_polarity_hang_up_reverses_the_line():
    async def main():
        line = TelephoneLine()
        exchange = VirtualExchangeLine(line, tones=RU)
        line.set_hook(True, aio.monotonic())
        exchange.answer()
        before = line.dc_volts()
        exchange.hang_up("polarity")
        return before, line.dc_volts(), exchange.state

    before, after, state = host.run(main(), virtual=True)
    assert before > 0 > after and state is LineState.CLEARED


def test_polarity_reversal_on_answer_and_back_when_cleared():
    async def main():
        line = TelephoneLine()
        exchange = VirtualExchangeLine(line, tones=US, answer_polarity_reversal=True)
        line.set_hook(True, aio.monotonic())
        exchange.answer()
        answered = line.polarity
        exchange.hang_up("polarity")
        return answered, line.polarity

    assert host.run(main(), virtual=True) == (-1, 1)


def test_busy_hang_up_plays_busy_tone_until_the_daa_releases():
    async def main():
        line = TelephoneLine()
        exchange = VirtualExchangeLine(line, tones=RU)
        line.set_hook(True, aio.monotonic())
        exchange.answer()
        exchange.say(1000.0)
        await pump_daa(line, 1.0)
        exchange.hang_up("busy")
        captured = await pump_daa(line, 4.0)
        line.set_hook(False, aio.monotonic())
        await aio.sleep(1)
        return captured, exchange.state

    captured, state = host.run(main(), virtual=True)
    assert component_dbm0(captured, 1000.0) < -60  # the far end is gone
    runs = on_off_ms(captured)
    assert runs[1:-1] == pytest.approx([350] * len(runs[1:-1]), abs=2) and len(runs) >= 8
    assert component_dbm0(captured[:2800], 425.0) == pytest.approx(-10, abs=0.3)
    assert state is LineState.IDLE


def test_dead_line_has_no_battery_and_no_audio():
    async def main():
        line = TelephoneLine()
        exchange = VirtualExchangeLine(line, tones=RU)
        exchange.disconnect_battery()
        line.set_hook(True, aio.monotonic())
        dead = (line.dc_volts(), line.loop_current_ma(), await pump_daa(line, 0.5))
        exchange.restore_battery()
        return dead, line.loop_current_ma()

    (volts, current, audio), restored = host.run(main(), virtual=True)
    assert volts == 0 and current == 0 and not audio.any()
    assert restored > 20


def test_ringing_a_busy_line_is_refused():
    async def main():
        line = TelephoneLine()
        exchange = VirtualExchangeLine(line, tones=RU)
        line.set_hook(True, aio.monotonic())
        with pytest.raises(RuntimeError, match="cannot ring"):
            await exchange.ring("1")
        with pytest.raises(ValueError, match="standard"):
            await VirtualExchangeLine(TelephoneLine(), tones=RU).ring("1", standard="v21")

    host.run(main(), virtual=True)


def test_far_end_hears_what_the_daa_sends_and_when():
    async def main():
        line = TelephoneLine()
        exchange = VirtualExchangeLine(line, tones=RU)
        line.set_hook(True, aio.monotonic())
        exchange.answer()
        await pump_daa(line, 1.0)
        started = aio.monotonic()
        await pump_daa(line, 2.0, send=tone((1000.0,), -18, 2.0))
        return exchange, started

    exchange, started = host.run(main(), virtual=True)
    assert exchange.level_at(1000.0, seconds=1.0) == pytest.approx(-18, abs=0.3)
    assert exchange.hears(1.0).frequencies == pytest.approx((1000.0,), abs=1)
    heard = exchange.first_heard(1000.0, after=0.0)
    assert heard is not None and started + 0.02 <= heard <= started + 0.031
