"""FxoPort on an emulated Si3050 over the simulated SPI/INT/PCM buses, in virtual time."""

import math

import numpy as np
import pytest

import aio
from aio import host
from drivers.fxo import LINK_LOST_REASON, NO_LINE_REASON, FxoPort, FxoSeizeError, FxoSettings
from drivers.pcm import PcmHighway, PcmSlot, idle_byte
from drivers.ports import EventKind, Health, PortKind
from drivers.si3050 import Si3050
from drivers.sim.analog import TelephoneLine
from drivers.sim.bus import ChipSocket, SimInterruptLine, SimSpiDevice
from drivers.sim.codec import ChipCodec
from drivers.sim.pcm_bus import SimPcmDevice
from drivers.sim.si3050 import Si3050Emulator

TIMESLOT = 3
INT_GPIO = 22


class Rig:
    """One FXO port, its DAA emulator and the exchange line behind it."""

    def __init__(self, *, interrupt: bool = True, fitted: bool = True, offset: int = 0, **settings):
        self.line = TelephoneLine()
        self.emulator = Si3050Emulator(self.line, start_count_offset=offset) if fitted else None
        self.socket = ChipSocket("fxo0", self.emulator)
        self.events = []  # (emitted at ms, PortEvent)
        settings.setdefault("law", "alaw")
        self.settings = FxoSettings(**settings)
        self.slot = PcmSlot(TIMESLOT, idle_byte(self.settings.law))
        self.port = FxoPort(
            0,
            Si3050(SimSpiDevice(self.socket)),
            self.slot,
            SimInterruptLine(INT_GPIO, self.socket) if interrupt else None,
            self._sink,
            self.settings,
            TIMESLOT,
        )

    def _sink(self, event):
        self.events.append((aio.ticks_ms(), event))

    def of_kind(self, kind):
        return [(emitted, event) for emitted, event in self.events if event.kind is kind]

    def kinds(self):
        return [event.kind for _, event in self.events]

    def now(self):
        return aio.monotonic()

    async def ring(self, bursts: int, on_ms: int, off_ms: int, frequency_hz: float = 25.0):
        """Ring with a cadence; returns (onset_ms, end_ms) of each burst."""
        self.line.ring_frequency_hz = frequency_hz
        times = []
        for _ in range(bursts):
            onset = aio.ticks_ms()
            self.line.start_ringing(self.now())
            await aio.sleep_ms(on_ms)
            self.line.stop_ringing(self.now())
            times.append((onset, aio.ticks_ms()))
            await aio.sleep_ms(off_ms)
        return times


def run(coroutine):
    return host.run(coroutine, virtual=True)


@pytest.mark.parametrize("frequency_hz", [25.0, 20.0])
@pytest.mark.parametrize("interrupt", [True, False], ids=["int_line", "polled"])
def test_a_cadenced_ring_gives_one_start_and_one_stop_per_burst(frequency_hz, interrupt):
    rig = Rig(interrupt=interrupt, termination="RU")

    async def main():
        await rig.port.start()
        await aio.sleep_ms(300)
        bursts = await rig.ring(3, on_ms=1000, off_ms=4000, frequency_hz=frequency_hz)
        await rig.port.stop()
        return bursts

    bursts = run(main())
    starts, stops = rig.of_kind(EventKind.RING_START), rig.of_kind(EventKind.RING_STOP)
    assert rig.kinds() == [EventKind.RING_START, EventKind.RING_STOP] * 3
    for (onset, end), (started, start), (stopped, stop) in zip(bursts, starts, stops, strict=True):
        assert 150 <= started - onset <= 250  # validated within 150–250 ms of the onset
        assert abs(float(start.detail.split()[0]) - frequency_hz) < 1.5
        assert abs(stop.at_ms - end) <= 20  # the ring was last seen as it ended
        assert 0 <= stopped - end <= 300  # reported after the off debounce
    assert rig.port.counters["rings"] == 3
    assert rig.port.counters["rejected_rings"] == 0


def test_status_shows_ringing_while_a_validated_ring_is_in_progress():
    rig = Rig()

    async def main():
        await rig.port.start()
        rig.line.start_ringing(rig.now())
        await aio.sleep_ms(500)
        during = rig.port.status().state, rig.port.ringing
        rig.line.stop_ringing(rig.now())
        await aio.sleep_ms(500)
        return during, rig.port.status().state

    (state, ringing), after = run(main())
    assert (state, ringing, after) == ("ringing", True, "idle")


def test_a_40_ms_polarity_blip_is_neither_a_ring_nor_a_reversal():
    rig = Rig()

    async def main():
        await rig.port.start()
        await aio.sleep_ms(500)
        rig.line.reverse_polarity(rig.now())
        await aio.sleep_ms(40)
        rig.line.reverse_polarity(rig.now())
        await aio.sleep_ms(2000)

    run(main())
    assert rig.events == []
    assert rig.port.counters["rejected_rings"] >= 1  # the detector tripped and was overruled


def test_a_polarity_reversal_that_stays_is_reported_but_is_not_a_ring():
    rig = Rig()

    async def main():
        await rig.port.start()
        await aio.sleep_ms(500)
        reversed_at = aio.ticks_ms()
        rig.line.reverse_polarity(rig.now())
        await aio.sleep_ms(2000)
        return reversed_at

    reversed_at = run(main())
    assert rig.kinds() == [EventKind.POLARITY]
    emitted, event = rig.events[0]
    assert event.at_ms == reversed_at
    assert 100 <= emitted - reversed_at <= 150
    assert "reversed polarity (on-hook)" in event.detail


def test_a_60_ms_ring_burst_is_rejected():
    rig = Rig()

    async def main():
        await rig.port.start()
        await aio.sleep_ms(500)
        await rig.ring(1, on_ms=60, off_ms=2000)

    run(main())
    assert EventKind.RING_START not in rig.kinds()
    assert rig.port.counters["rejected_rings"] == 1


def test_start_reports_the_chip_and_its_measurements():
    rig = Rig(termination="GB")

    async def main():
        await rig.port.start()
        status = rig.port.status()
        await rig.port.stop()
        return status

    status = run(main())
    assert status.kind is PortKind.FXO and status.index == 0
    assert status.health is Health.OK and status.reason == ""
    assert status.chip == "Si3050 rev E + Si3019 rev F"
    assert status.state == "idle"
    assert status.measurements == {"line_volts": 48.0, "loop_current_ma": 0.0}
    assert status.counters["rings"] == 0 and "pcm_underruns" in status.counters


def test_the_port_programs_its_timeslot_and_law_including_the_hats_start_count_offset():
    rig = Rig(offset=1, pcm_start_count_offset=1, law="ulaw")

    async def main():
        await rig.port.start()

    run(main())
    assert (rig.emulator.pcm_tx_timeslot, rig.emulator.pcm_rx_timeslot) == (TIMESLOT, TIMESLOT)
    assert rig.emulator.law == "ulaw"


def test_an_absent_chip_marks_the_port_failed_without_raising():
    rig = Rig(fitted=False)

    async def main():
        await rig.port.start()
        return rig.port.status()

    status = run(main())
    assert status.health is Health.FAILED and status.chip == "absent"
    assert "no Si3050 answers on this chip select" in status.reason
    assert rig.kinds() == [EventKind.FAILED]
    assert rig.events[0][1].detail == status.reason


def test_a_line_side_that_never_powers_up_fails_the_port_with_a_readable_reason():
    rig = Rig()
    rig.emulator.line_side_never_powers_up = True

    async def main():
        await rig.port.start()
        return rig.port.status()

    status = run(main())
    assert status.health is Health.FAILED
    reason = status.reason
    assert reason.startswith("no line-side device: check the isolation capacitors / line side")
    assert "2000 ms" in reason
    assert status.chip.startswith("Si3050 rev E")
    assert rig.kinds() == [EventKind.FAILED]


def test_an_unknown_termination_fails_the_port_and_names_the_known_ones():
    rig = Rig(termination="XX")

    async def main():
        await rig.port.start()
        return rig.port.status()

    status = run(main())
    assert status.health is Health.FAILED and "known: DE, GB, RU, TBR21, UA, US" in status.reason


def test_no_battery_raises_a_line_alarm_and_restores_it_while_rings_keep_working():
    rig = Rig(no_line_alarm_ms=1000)

    async def main():
        await rig.port.start()
        await aio.sleep_ms(500)
        lost_at = aio.ticks_ms()
        rig.line.set_battery(0.0, rig.now())
        await aio.sleep_ms(1500)
        during = rig.port.status()
        restored_at = aio.ticks_ms()
        rig.line.set_battery(48.0, rig.now())
        await aio.sleep_ms(1000)
        after = rig.port.status()
        await rig.ring(1, on_ms=1000, off_ms=1000)
        return lost_at, restored_at, during, after

    lost_at, restored_at, during, after = run(main())
    assert rig.kinds() == [
        EventKind.LINE_LOST,
        EventKind.LINE_RESTORED,
        EventKind.RING_START,
        EventKind.RING_STOP,
    ]
    (lost_emitted, lost), (_restored_emitted, restored) = rig.events[:2]
    assert 0 <= lost.at_ms - lost_at <= 100
    assert 1000 <= lost_emitted - lost_at <= 1200
    assert 0 <= restored.at_ms - restored_at <= 100
    assert during.health is Health.ALARM and during.reason == NO_LINE_REASON
    assert during.measurements["line_volts"] == 0.0
    assert after.health is Health.OK and after.reason == ""
    assert rig.port.counters["line_lost"] == 1


def test_seizing_waits_for_loop_current_and_releasing_restores_the_monitor():
    rig = Rig()

    async def main():
        await rig.port.start()
        await rig.port.seize()
        seized = rig.line.off_hook, rig.port.seized, rig.port.status()
        await rig.port.release()
        return seized, rig.line.off_hook, rig.emulator._regs[5]

    (off_hook, seized, status), back_off_hook, reg5 = run(main())
    assert off_hook and seized and status.state == "seized"
    assert abs(status.measurements["loop_current_ma"] - 48.0) <= 1.1
    assert status.measurements["line_volts"] == 10.0
    assert not back_off_hook and reg5 == 0x08


def test_seizing_a_dead_line_fails_with_a_reason_and_goes_back_on_hook():
    rig = Rig(seize_timeout_ms=500)

    async def main():
        await rig.port.start()
        rig.line.set_battery(0.0, rig.now())
        started = aio.ticks_ms()
        with pytest.raises(FxoSeizeError, match=r"no loop current .* check the exchange line"):
            await rig.port.seize()
        return aio.ticks_ms() - started

    waited = run(main())
    assert 500 <= waited <= 520
    assert not rig.line.off_hook and not rig.port.seized
    assert rig.port.counters["seize_failures"] == 1


def test_a_loop_current_drop_longer_than_configured_is_reported_and_a_short_dip_is_not():
    rig = Rig(disconnect_loop_drop_ms=300)

    async def dip(duration_ms: int) -> int:
        at = aio.ticks_ms()
        rig.line.set_battery(0.0, rig.now())
        await aio.sleep_ms(duration_ms)
        rig.line.set_battery(48.0, rig.now())
        await aio.sleep_ms(1000)
        return at

    async def main():
        await rig.port.start()
        await rig.port.seize()
        await aio.sleep_ms(1000)
        await dip(100)
        short_dip_events = list(rig.kinds())
        dropped_at = await dip(500)
        return short_dip_events, dropped_at

    short_dip_events, dropped_at = run(main())
    assert short_dip_events == []
    assert rig.kinds() == [EventKind.LOOP_DROP]
    emitted, event = rig.events[0]
    assert 0 <= event.at_ms - dropped_at <= 100
    assert 300 <= emitted - dropped_at <= 420
    assert rig.port.counters["loop_drops"] == 1


def test_a_polarity_reversal_while_seized_is_reported():
    rig = Rig()

    async def main():
        await rig.port.start()
        await rig.port.seize()
        await aio.sleep_ms(800)
        rig.line.reverse_polarity(rig.now())  # the far end answers
        await aio.sleep_ms(1000)

    run(main())
    assert rig.kinds() == [EventKind.POLARITY]
    assert "off-hook" in rig.events[0][1].detail


def test_answering_a_ring_ends_it_with_a_ring_stop():
    rig = Rig()

    async def main():
        await rig.port.start()
        rig.line.start_ringing(rig.now())
        await aio.sleep_ms(400)
        await rig.port.seize()
        await aio.sleep_ms(600)
        return rig.port.status().state

    state = run(main())
    assert rig.kinds() == [EventKind.RING_START, EventKind.RING_STOP]
    assert rig.events[1][1].detail == "answered"
    assert state == "seized" and rig.line.off_hook


def test_seizing_a_line_whose_ring_is_still_being_validated_says_it_answered_a_ring():
    rig = Rig()

    async def main():
        await rig.port.start()
        await rig.port.seize()  # an idle line: dial tone, not a caller
        quiet = rig.port.seized_while_ringing
        await rig.port.release()
        await aio.sleep_ms(1000)
        rig.line.start_ringing(rig.now())
        await aio.sleep_ms(60)  # the ring is not validated yet: no RING_START
        await rig.port.seize()
        return quiet, rig.port.seized_while_ringing

    quiet, glare = run(main())
    assert not quiet and glare
    assert EventKind.RING_START not in rig.kinds()


def test_a_broken_isolation_link_fails_the_port():
    rig = Rig()

    async def main():
        await rig.port.start()
        await rig.port.seize()
        rig.emulator.break_isolation_link()
        await aio.sleep_ms(50)
        return rig.port.status()

    status = run(main())
    assert status.health is Health.FAILED and status.reason == LINK_LOST_REASON
    assert rig.kinds() == [EventKind.FAILED]
    assert not rig.line.off_hook


def test_an_idle_port_reads_the_chip_about_ten_times_a_second():
    rig = Rig()

    async def main():
        await rig.port.start()
        before = len(rig.emulator.transactions)
        await aio.sleep(60)
        return len(rig.emulator.transactions) - before

    accesses = run(main())
    assert 550 <= accesses <= 650  # one line-voltage read per 100 ms supervision tick


def tone(frequency_hz: float, amplitude: float, count: int, offset: int = 0) -> np.ndarray:
    t = (np.arange(count) + offset) / 8000
    return np.rint(amplitude * np.sin(2 * math.pi * frequency_hz * t)).astype(np.int16)


def test_line_audio_reaches_the_port_on_hook_and_port_audio_reaches_the_line_off_hook():
    rig = Rig(law="ulaw", on_hook_monitor=True)
    position = {"n": 0}

    def exchange_source(count: int) -> np.ndarray:  # caller-ID-like 1200 Hz before the ring
        samples = tone(1200.0, 6000, count, position["n"])
        position["n"] += count
        return samples

    heard: list[np.ndarray] = []
    rig.line.exchange_source = exchange_source
    rig.line.exchange_sink = heard.append
    codec = ChipCodec("ulaw")
    highway = PcmHighway(SimPcmDevice([rig.socket]), [rig.slot])

    async def main():
        await rig.port.start()
        clock = aio.create_task(highway.run())
        await aio.sleep_ms(200)
        received = [rig.port.receive_audio() for _ in range(3)]
        await rig.port.seize()
        heard.clear()
        sent = tone(800.0, 5000, 160)
        for _ in range(6):
            rig.port.send_audio(codec.encode(sent).tobytes())
            await aio.sleep_ms(20)
        clock.cancel()
        return received, sent

    received, sent = run(main())
    frames = [codec.decode(frame).astype(float) for frame in received if frame is not None]
    assert frames
    spectrum = np.abs(np.fft.rfft(frames[-1]))
    assert np.argmax(spectrum) == round(1200 / (8000 / 160))  # the 1200 Hz bin
    loud = [block for block in heard if np.any(block)]
    assert loud
    ratio = np.sqrt(np.mean(loud[-1].astype(float) ** 2) / np.mean(sent.astype(float) ** 2))
    assert abs(20 * math.log10(ratio)) < 0.5
