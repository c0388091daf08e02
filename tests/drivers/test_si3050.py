"""The Si3050 chip driver against its register-level emulator on the simulated SPI bus."""

import math

import numpy as np
import pytest

import aio
from aio import host
from drivers.si3050 import (
    ChipAbsentError,
    Interrupt,
    LineSideError,
    Si3050,
    encode_gain,
)
from drivers.si3050_countries import load_termination
from drivers.sim.analog import TelephoneLine
from drivers.sim.bus import ChipSocket, SimSpiDevice
from drivers.sim.codec import ChipCodec
from drivers.sim.receive_filter import ReceiveHighPass
from drivers.sim.si3050 import Si3050Emulator

SAMPLE_RATE = 8000

# Register values for each country mode, from the public DAHDI/Xorcom FXO mode tables:
# reg16 = OHS<<6 | RZ<<1 | RT, reg26 = DCV<<6 | MINI<<4 | ILIM<<1, reg30 = ACIM, OHS2 = reg31 bit 3.
COUNTRY_REGISTERS = {
    "RU": {16: 0x00, 26: 0x30, 30: 0x00, "ohs2": False},
    "UA": {16: 0x00, 26: 0x30, 30: 0x00, "ohs2": False},
    "US": {16: 0x01, 26: 0xC0, 30: 0x00, "ohs2": False},
    "GB": {16: 0x00, 26: 0xC2, 30: 0x05, "ohs2": True},
    "DE": {16: 0x00, 26: 0xC2, 30: 0x03, "ohs2": True},
    "TBR21": {16: 0x00, 26: 0xC2, 30: 0x02, "ohs2": False},
}


def make_daa(line: TelephoneLine | None = None, **emulator_options):
    line = line or TelephoneLine()
    emulator = Si3050Emulator(line, **emulator_options)
    socket = ChipSocket("fxo", emulator)
    return line, emulator, Si3050(SimSpiDevice(socket))


def run(coroutine):
    return host.run(coroutine, virtual=True)


def steps(transactions):
    """(op, register) in order, with consecutive polls of one register collapsed."""
    collapsed = []
    for t in transactions:
        step = (t.op, t.register)
        if not collapsed or collapsed[-1] != step or t.op != "read":
            collapsed.append(step)
    return collapsed


@pytest.mark.parametrize("country", sorted(COUNTRY_REGISTERS))
def test_initialisation_follows_the_documented_order_for_each_country(country):
    async def main():
        _line, emulator, chip = make_daa()
        identity = await chip.initialise(
            load_termination(country), law="alaw", tx_start_count=24, rx_start_count=24
        )
        return emulator, identity

    emulator, identity = run(main())
    log = emulator.transactions
    assert steps(log) == [
        ("read", 2),  # presence: reset value 0x03
        ("read", 11),  # system-side revision
        ("write", 1),  # soft reset
        ("write", 34),  # PCM start counts, then PCM mode
        ("write", 35),
        ("write", 36),
        ("write", 37),
        ("write", 33),
        ("write", 16),  # termination: ringer impedance and threshold, on-hook speed
        ("write", 18),  # ring detector rectifier
        ("write", 24),  # ring validation
        ("write", 26),  # DC termination
        ("write", 30),  # AC termination (ACIM)
        ("write", 31),  # off-hook counter, OHS2
        ("write", 6),  # power the isolation link
        ("read", 11),  # ... and poll for the line side
        ("read", 13),
        ("write", 5),  # on-hook line monitor
        ("write", 38),  # gains: TX whole/tenths, RX whole/tenths
        ("write", 40),
        ("write", 39),
        ("write", 41),
        ("write", 3),  # interrupts: mask, clear, enable
        ("write", 4),
        ("write", 2),
    ]
    written = {t.register: t.value for t in log if t.op == "write"}
    expected = COUNTRY_REGISTERS[country]
    assert written[1] == 0x80
    assert written[33] == 0x20  # PCM enabled, A-law
    assert (written[34], written[35], written[36], written[37]) == (24, 0, 24, 0)
    assert written[16] == expected[16]
    assert (written[18], written[24]) == (0x02, 0x00)  # full-wave ring detector
    assert written[26] == expected[26]
    assert written[30] == expected[30]
    assert bool(written[31] & 0x08) == expected["ohs2"]
    assert (written[31] >> 5) & 0x03 == 0b01  # 128 ms off-hook counter
    assert written[6] == 0x00
    assert written[5] == 0x08  # ONHM, on-hook
    assert written[2] & 0x80  # INTE
    assert written[3] == int(Interrupt.RING | Interrupt.POLARITY)
    assert str(identity) == "Si3050 rev E + Si3019 rev F"


def test_soft_reset_is_given_its_settle_time_and_the_link_its_power_up_time():
    async def main():
        _, emulator, chip = make_daa(power_up_delay_s=0.25)
        await chip.initialise(load_termination("RU"))
        return emulator.transactions

    log = run(main())
    reset = next(t for t in log if t.op == "write" and t.register == 1)
    after_reset = log[log.index(reset) + 1]
    assert after_reset.time_s - reset.time_s >= 0.1
    power_up = next(t for t in log if t.op == "write" and t.register == 6)
    polls = [t for t in log if t.op == "read" and t.register == 11 and t.time_s >= power_up.time_s]
    assert all(t.value >> 4 == 0 for t in polls[:-1])
    assert polls[-1].value >> 4 == 0x3  # Si3019
    assert 0.25 <= polls[-1].time_s - power_up.time_s < 0.25 + 0.02
    on_hook_monitor = next(t for t in log if t.op == "write" and t.register == 5)
    assert on_hook_monitor.time_s >= polls[-1].time_s


def test_half_wave_ring_detection_keeps_the_device_defaults():
    async def main():
        _, emulator, chip = make_daa()
        half_wave = load_termination("TBR21").model_copy(update={"full_wave_ring_detect": False})
        await chip.initialise(half_wave)
        return {t.register: t.value for t in emulator.transactions if t.op == "write"}

    written = run(main())
    assert (written[18], written[24]) == (0x00, 0x19)


def test_an_absent_chip_is_reported_with_what_to_check():
    chip = Si3050(SimSpiDevice(ChipSocket("empty")))
    with pytest.raises(ChipAbsentError, match="no Si3050 answers on this chip select"):
        chip.detect()


def test_a_line_side_that_never_powers_up_fails_after_two_seconds():
    async def main():
        _, emulator, chip = make_daa()
        emulator.line_side_never_powers_up = True
        start = aio.monotonic()
        with pytest.raises(LineSideError) as failure:
            await chip.initialise(load_termination("TBR21"))
        return failure.value, aio.monotonic() - start

    error, elapsed_s = run(main())
    reason = str(error)
    assert reason.startswith("no line-side device: check the isolation capacitors / line side")
    assert 2.0 <= elapsed_s < 2.2  # soft reset settle + the 2 s link timeout


def test_hook_control_seizes_the_line_and_reads_loop_current_and_voltage():
    async def main():
        line, _, chip = make_daa(TelephoneLine(battery_volts=48.0, feed_resistance_ohms=800.0))
        await chip.initialise(load_termination("RU"))
        on_hook_volts = chip.line_voltage()
        chip.set_hook(True)
        seized = (line.off_hook, chip.loop_current_ma(), chip.line_voltage())
        chip.set_hook(False, on_hook_monitor=True)
        return on_hook_volts, seized, line.off_hook, chip.read(5)

    on_hook_volts, (off_hook, loop_ma, off_hook_volts), back_on_hook, reg5 = run(main())
    assert on_hook_volts == 48
    assert off_hook
    expected_ma = 1000 * 48.0 / (800.0 + 200.0)  # battery over feed plus DC termination
    assert abs(loop_ma - expected_ma) <= 1.1
    assert off_hook_volts == round(expected_ma / 1000 * 200.0)
    assert not back_on_hook
    assert reg5 & 0x09 == 0x08


def test_tbr21_current_limit_holds_loop_current_under_60_ma():
    async def main():
        line, _, chip = make_daa(TelephoneLine(battery_volts=48.0, feed_resistance_ohms=300.0))
        await chip.initialise(load_termination("TBR21"))
        chip.set_hook(True)
        return chip.loop_current_ma(), line.loop_current_ma()

    reported, drawn = run(main())
    assert drawn <= 60.0 + 1e-9
    assert abs(reported - drawn) <= 1.1


def test_line_voltage_is_signed_and_follows_polarity_and_battery():
    async def main():
        line, _, chip = make_daa()
        await chip.initialise(load_termination("TBR21"))
        readings = [chip.line_voltage()]
        line.reverse_polarity(aio.monotonic())
        readings.append(chip.line_voltage())
        line.set_battery(2.0, aio.monotonic())  # 3 V or less reads as 0
        readings.append(chip.line_voltage())
        line.set_battery(0.0, aio.monotonic())
        readings.append(chip.line_voltage())
        return readings

    assert run(main()) == [48, -48, 0, 0]


def sample_ring_detector(chip: Si3050, duration_ms: int):
    async def sample():
        signs = []
        for _ in range(duration_ms):
            positive, negative = chip.ring_detector()
            signs.append(1 if positive else -1 if negative else 0)
            await aio.sleep_ms(1)
        return np.array(signs)

    return sample()


def alternations(signs: np.ndarray) -> np.ndarray:
    active = signs[signs != 0]
    return np.flatnonzero(np.diff(active) != 0)


@pytest.mark.parametrize("frequency_hz", [20.0, 25.0, 50.0])
def test_ring_detector_bits_toggle_at_the_ring_frequency(frequency_hz):
    async def main():
        line, _, chip = make_daa(TelephoneLine(ring_frequency_hz=frequency_hz, ring_vrms=75.0))
        await chip.initialise(load_termination("TBR21"))
        line.start_ringing(aio.monotonic())
        return await sample_ring_detector(chip, 400)

    signs = run(main())
    changes = np.flatnonzero(np.diff(np.sign(signs[signs != 0])) != 0)
    # Each alternation is half a cycle: count them over the whole 400 ms window.
    half_cycles = len(changes)
    assert abs(half_cycles - 2 * frequency_hz * 0.4) <= 2
    assert (signs == 1).any() and (signs == -1).any()


def test_ring_threshold_follows_the_country_setting():
    async def detected(country: str, ring_vrms: float) -> bool:
        line, _, chip = make_daa(TelephoneLine(ring_frequency_hz=25.0, ring_vrms=ring_vrms))
        await chip.initialise(load_termination(country))
        line.start_ringing(aio.monotonic())
        signs = await sample_ring_detector(chip, 100)
        return bool(np.any(signs))

    async def main():
        return [
            await detected("TBR21", 10.0),  # below 13.5 Vrms: never
            await detected("TBR21", 18.0),  # above 16.5 Vrms: always
            await detected("US", 18.0),  # FCC threshold is 19.35–23.65 Vrms
            await detected("US", 26.0),
        ]

    assert run(main()) == [False, True, False, True]


def test_a_polarity_reversal_is_one_ring_detector_pulse_and_a_polarity_interrupt():
    async def main():
        line, emulator, chip = make_daa()
        await chip.initialise(load_termination("TBR21"))
        assert not emulator.interrupt_asserted
        line.reverse_polarity(aio.monotonic())
        asserted = emulator.interrupt_asserted
        sources = chip.interrupt_sources()
        signs = await sample_ring_detector(chip, 200)
        chip.clear_interrupts(sources)
        return asserted, sources, signs, emulator.interrupt_asserted

    asserted, sources, signs, still_asserted = run(main())
    assert asserted and not still_asserted
    assert Interrupt.POLARITY in sources
    assert (signs != 1).all()  # the step was downwards: only the negative comparator
    pulse = np.flatnonzero(signs == -1)
    assert pulse[0] == 0 and np.all(np.diff(pulse) == 1)  # one contiguous pulse
    assert 10 <= len(pulse) <= 60  # decays with the coupling time constant


def test_interrupt_pin_follows_mask_and_clearing():
    async def main():
        line, emulator, chip = make_daa()
        await chip.initialise(load_termination("TBR21"), interrupts=Interrupt.FRAME_LOSS)
        line.reverse_polarity(aio.monotonic())  # latches, but both sources are masked
        masked = emulator.interrupt_asserted, chip.interrupt_sources()
        chip.enable_interrupts(Interrupt.RING)  # enabling clears stale sources
        await aio.sleep_ms(500)
        line.start_ringing(aio.monotonic())
        ringing = emulator.interrupt_asserted
        chip.clear_interrupts(Interrupt.POLARITY)  # writing 1 leaves the ring source pending
        still = emulator.interrupt_asserted
        chip.clear_interrupts(Interrupt.RING)
        return masked, ringing, still, emulator.interrupt_asserted

    (masked_pin, masked_sources), ringing, still, cleared = run(main())
    assert not masked_pin
    assert (
        masked_sources & (Interrupt.POLARITY | Interrupt.RING)
        == Interrupt.POLARITY | Interrupt.RING
    )
    assert ringing and still and not cleared


def test_soft_reset_returns_registers_to_reset_values_and_drops_the_line():
    async def main():
        line, _, chip = make_daa()
        await chip.initialise(load_termination("GB"))
        chip.set_hook(True)
        seized = line.off_hook
        await chip.soft_reset()
        return seized, line.off_hook, chip.dump_registers()

    seized, off_hook_after, registers = run(main())
    assert seized and not off_hook_after
    assert registers[2] == 0x03
    assert registers[6] == 0x10  # line side powered down
    assert registers[11] == 0x05  # no line-side id until the link is powered again
    assert (registers[22], registers[23], registers[24], registers[31]) == (0x96, 0x2D, 0x19, 0x20)
    assert registers[26] == registers[30] == registers[33] == 0
    assert sorted(registers) == list(range(1, 60))


def test_pcm_law_and_timeslots_come_from_the_registers():
    async def main():
        _, emulator, chip = make_daa(start_count_offset=1)
        before = emulator.pcm_tx_timeslot
        await chip.initialise(
            load_termination("US"), law="ulaw", tx_start_count=8 * 5 + 1, rx_start_count=8 * 3 + 1
        )
        after = (emulator.law, emulator.pcm_tx_timeslot, emulator.pcm_rx_timeslot)
        chip.configure_pcm("alaw", 8 * 2 + 1, 8 * 2 + 1)
        again = (emulator.law, emulator.pcm_tx_timeslot, emulator.pcm_rx_timeslot)
        chip.configure_pcm("alaw", 8 * 2, 8 * 2)  # misses the hat's offset: no slot
        return before, after, again, emulator.pcm_tx_timeslot

    before, after, again, misaligned = run(main())
    assert before is None
    assert after == ("ulaw", 5, 3)
    assert again == ("alaw", 2, 2)
    assert misaligned is None


def tone(frequency_hz: float, amplitude: float, count: int) -> np.ndarray:
    t = np.arange(count) / SAMPLE_RATE
    return np.rint(amplitude * np.sin(2 * math.pi * frequency_hz * t)).astype(np.int16)


def snr_db(reference: np.ndarray, measured: np.ndarray) -> float:
    reference = reference.astype(np.float64)
    error = measured.astype(np.float64) - reference
    return 10 * math.log10(np.sum(reference**2) / max(np.sum(error**2), 1e-9))


def test_on_hook_line_monitor_captures_line_audio_before_any_ring():
    source = tone(1200.0, 8000, 160)

    async def main():
        _line, emulator, chip = make_daa(TelephoneLine(exchange_source=lambda n: source[:n]))
        await chip.initialise(load_termination("GB"), law="alaw", on_hook_monitor=True)
        monitored = emulator.pcm_capture(160)
        chip.set_hook(False, on_hook_monitor=False)
        silent = emulator.pcm_capture(160)
        return monitored, silent

    monitored, silent = run(main())
    codec = ChipCodec("alaw")
    # G.711 quantisation only, after the receive path's 200 Hz high-pass (FILT)
    received = ReceiveHighPass().apply(source, 200.0)
    assert snr_db(received, codec.decode(monitored)) > 30
    assert set(silent) == {codec.silence_byte}


def test_transmit_reaches_the_line_only_off_hook_and_follows_the_tx_gain():
    sent = tone(1000.0, 10000, 160)
    heard: list[np.ndarray] = []

    async def main():
        _line, emulator, chip = make_daa(TelephoneLine(exchange_sink=heard.append))
        await chip.initialise(load_termination("DE"), law="ulaw", tx_gain_db=-6.0)
        codec = ChipCodec("ulaw")
        emulator.pcm_playback(codec.encode(sent).tobytes())  # on-hook: zeros on the line
        chip.set_hook(True)
        emulator.pcm_playback(codec.encode(sent).tobytes())

    run(main())
    on_hook, off_hook = heard
    assert not on_hook.any()
    ratio = np.sqrt(np.mean(off_hook.astype(float) ** 2) / np.mean(sent.astype(float) ** 2))
    assert abs(20 * math.log10(ratio) - (-6.0)) < 0.2


def test_receive_gain_scales_captured_audio():
    source = tone(700.0, 4000, 160)

    async def main():
        _line, emulator, chip = make_daa(TelephoneLine(exchange_source=lambda n: source[:n]))
        await chip.initialise(load_termination("TBR21"), rx_gain_db=3.5)
        chip.set_hook(True)
        return emulator.pcm_capture(160)

    captured = ChipCodec("ulaw").decode(run(main()))
    ratio = np.sqrt(np.mean(captured.astype(float) ** 2) / np.mean(source.astype(float) ** 2))
    assert abs(20 * math.log10(ratio) - 3.5) < 0.2


@pytest.mark.parametrize(
    ("gain_db", "registers"),
    [
        (0.0, (0x00, 0x00)),
        (12.0, (0x0C, 0x00)),
        (3.5, (0x03, 0x05)),
        (-15.0, (0x1F, 0x10)),
        (-0.4, (0x10, 0x14)),
        (-6.3, (0x16, 0x13)),
    ],
)
def test_gains_encode_whole_decibels_and_tenths(gain_db, registers):
    assert encode_gain(gain_db) == registers


def test_a_gain_out_of_range_is_refused_with_the_range():
    with pytest.raises(ValueError, match=r"-15.0 to \+12.0 dB"):
        encode_gain(13.0)


def test_register_dump_covers_every_documented_register():
    async def main():
        _, _, chip = make_daa()
        await chip.initialise(load_termination("RU"))
        return chip.dump_registers()

    registers = run(main())
    assert sorted(registers) == list(range(1, 60))
    assert registers[11] == 0x35 and registers[26] == 0x30 and registers[5] & 0x08


def test_a_broken_isolation_link_drops_the_line_and_raises_frame_loss():
    async def main():
        line, emulator, chip = make_daa()
        await chip.initialise(
            load_termination("TBR21"), interrupts=Interrupt.RING | Interrupt.FRAME_LOSS
        )
        chip.set_hook(True)
        emulator.break_isolation_link()
        return (
            line.off_hook,
            chip.line_side_up(),
            chip.interrupt_sources(),
            emulator.interrupt_asserted,
        )

    off_hook, link_up, sources, asserted = run(main())
    assert not off_hook and not link_up
    assert Interrupt.FRAME_LOSS in sources and asserted


def test_another_channel_id_is_ignored_and_broadcast_writes_reach_every_chip():
    async def main():
        _, _emulator, chip = make_daa(channel_id=2)
        other = Si3050(chip.spi, channel_id=1)
        silent = other.read(2)
        ours = Si3050(chip.spi, channel_id=2).read(2)
        chip.spi.transfer(bytes((0xA0, 30, 0x05)))  # broadcast write of ACIM
        return silent, ours, Si3050(chip.spi, channel_id=2).read(30)

    assert run(main()) == (0xFF, 0x03, 0x05)


def test_the_transaction_log_stays_bounded_in_long_runs(monkeypatch):
    monkeypatch.setattr("drivers.sim.si3050.TRANSACTION_LOG_LIMIT", 100)
    _, emulator, chip = make_daa()
    for _ in range(250):
        chip.read(2)
    assert 50 <= len(emulator.transactions) <= 100
    assert emulator.transactions[-1].register == 2


def test_the_receive_path_keeps_mains_hum_off_the_highway_as_register_31_filt_asks():
    """FILT set (as the driver sets it): the receive high-pass corner is at 200 Hz, so
    50 Hz hum is cut and the voice band passes; FILT cleared: the corner drops to 5 Hz."""
    second = 8000
    hum, voice = tone(50.0, 8000, second), tone(1000.0, 8000, second)
    source = {"audio": hum}  # whole cycles per 160-sample block: a steady tone

    async def captured(filt: bool):
        _line, emulator, chip = make_daa(
            TelephoneLine(exchange_source=lambda n: source["audio"][:n])
        )
        await chip.initialise(load_termination("GB"), law="alaw", on_hook_monitor=True)
        if not filt:
            chip.write(31, chip.read(31) & ~0x02)
        levels = {}
        for name, audio in (("hum", hum), ("voice", voice)):
            source["audio"] = audio
            for _ in range(10):  # let the filter settle
                block = emulator.pcm_capture(160)
            levels[name] = rms_dbfs(ChipCodec("alaw").decode(block))
        return levels

    with_filt, without = run(captured(True)), run(captured(False))
    assert with_filt["hum"] < rms_dbfs(hum) - 20
    assert with_filt["voice"] == pytest.approx(rms_dbfs(voice), abs=0.3)
    assert without["hum"] == pytest.approx(rms_dbfs(hum), abs=0.5)
    assert without["voice"] == pytest.approx(rms_dbfs(voice), abs=0.3)


def rms_dbfs(samples: np.ndarray) -> float:
    values = samples.astype(np.float64)
    return 20 * math.log10(max(np.sqrt(np.mean(values**2)), 1e-9) / 32768)
