import numpy as np
import pytest

import aio
from aio import host
from drivers.hal.errors import HalError
from drivers.pcm import (
    FRAME_SAMPLES,
    PcmHighway,
    PcmSlot,
    idle_byte,
    pack_timeslots,
    unpack_timeslots,
)
from drivers.sim.bus import ChipSocket
from drivers.sim.codec import ChipCodec
from drivers.sim.pcm_bus import SimPcmDevice, wire_to_words, words_to_wire
from tests.drivers.scripted_chip import ScriptedChip

RATE_HZ = 8000


def words_by_the_definition(timeslot_bytes: np.ndarray) -> list[list[int]]:
    """Timeslot t → channel t // 4, bits 31−8·(t%4) … 24−8·(t%4), one frame at a time."""
    frames = []
    for frame in timeslot_bytes.tolist():
        words = [0, 0]
        for t, byte in enumerate(frame):
            words[t // 4] |= byte << (24 - 8 * (t % 4))
        frames.append(words)
    return frames


def test_packing_puts_the_first_timeslot_in_the_top_byte_of_channel_zero():
    rng = np.random.default_rng(1)
    data = rng.integers(0, 256, size=(FRAME_SAMPLES, 8), dtype=np.uint8)
    words = pack_timeslots(data)
    assert words.dtype == np.uint32 and words.shape == (FRAME_SAMPLES, 2)
    assert words.tolist() == words_by_the_definition(data)
    assert np.array_equal(unpack_timeslots(words), data)
    one = np.zeros((1, 8), dtype=np.uint8)
    one[0, 0] = 0x80
    assert pack_timeslots(one).tolist() == [[0x8000_0000, 0]]
    one[0, 0], one[0, 7] = 0, 0x01
    assert pack_timeslots(one).tolist() == [[0, 0x0000_0001]]


def test_the_bus_wire_model_agrees_with_the_highway_packing():
    rng = np.random.default_rng(2)
    data = rng.integers(0, 256, size=(FRAME_SAMPLES, 8), dtype=np.uint8)
    assert np.array_equal(wire_to_words(data), pack_timeslots(data))
    assert np.array_equal(words_to_wire(pack_timeslots(data)), data)


def tone_codes(codec: ChipCodec, frequency_hz: float, seconds: float) -> bytes:
    t = np.arange(int(seconds * RATE_HZ)) / RATE_HZ
    samples = (8000 * np.sin(2 * np.pi * frequency_hz * t)).astype(np.int16)
    return codec.encode(samples).tobytes()


def eight_port_bus():
    chips = [ScriptedChip(tx=t, rx=t, law="ulaw" if t % 2 == 0 else "alaw") for t in range(8)]
    sockets = [ChipSocket(f"chip{t}", chip) for t, chip in enumerate(chips)]
    device = SimPcmDevice(sockets)
    slots = [PcmSlot(t, idle_byte(chips[t].law)) for t in range(8)]
    return chips, device, PcmHighway(device, slots)


def test_eight_ports_with_distinct_signals_cross_the_emulated_bus_bit_exactly():
    chips, device, highway = eight_port_bus()
    blocks = 10
    captured, to_send = [], []
    for t, chip in enumerate(chips):
        codec = ChipCodec(chip.law)
        up = tone_codes(codec, 300 + 350 * t, blocks * 0.02)
        down = tone_codes(codec, 3400 - 350 * t, blocks * 0.02)
        chunks = iter([up[i : i + FRAME_SAMPLES] for i in range(0, len(up), FRAME_SAMPLES)])
        chip.capture_source = lambda n, chunks=chunks: next(chunks)
        captured.append(up)
        to_send.append(down)

    async def main():
        received = [bytearray() for _ in range(8)]
        for block in range(blocks + 1):
            for t in range(8):
                if block < blocks:
                    highway.slot(t).send(to_send[t][block * 160 : (block + 1) * 160])
            if block == blocks:
                for chip in chips:
                    chip.capture_source = lambda n: bytes(n)
            await highway.exchange()
            for t in range(8):
                frame = highway.slot(t).receive()
                if block < blocks:
                    received[t] += frame
        return received

    received = host.run(main(), virtual=True)
    for t, chip in enumerate(chips):
        assert bytes(received[t]) == captured[t], f"timeslot {t} capture"
        # What the engine sent while reading block k plays in block k + 1: the first
        # block period had nothing written, so the chip heard its law's silence.
        silence = bytes([idle_byte(chip.law)]) * FRAME_SAMPLES
        assert bytes(chip.played) == silence + to_send[t], f"timeslot {t} playback"
    assert device.playback_underruns == 1
    # Only the extra block that flushed the last frames went out with nothing queued.
    assert highway.underruns == 8
    assert highway.overruns == 0 and highway.dropped_blocks == 0


def test_blocks_arrive_on_twenty_millisecond_boundaries_of_the_clock():
    _, _, highway = eight_port_bus()

    async def main():
        await aio.sleep_ms(7)
        ticks = []
        for _ in range(4):
            await highway.exchange()
            ticks.append(aio.ticks_ms())
        return ticks

    assert host.run(main(), virtual=True) == [20, 40, 60, 80]


def test_a_short_block_from_the_device_is_counted_and_the_highway_keeps_going():
    _, device, highway = eight_port_bus()
    device.inject_short_block()

    async def main():
        await highway.exchange()
        first = highway.slot(3).receive()
        await highway.exchange()
        return first, highway.slot(3).receive()

    first, second = host.run(main(), virtual=True)
    assert first is None
    assert second == bytes([0x7F]) * FRAME_SAMPLES
    assert highway.dropped_blocks == 1 and highway.blocks == 2


def test_blocks_nobody_read_in_time_are_counted_as_dropped():
    _, device, highway = eight_port_bus()

    async def main():
        await highway.exchange()  # t = 20 ms
        await aio.sleep_ms(300)  # 15 periods pass unread; the device buffers 10
        before = aio.ticks_ms()
        for _ in range(10):
            await highway.exchange()  # buffered blocks come at once
        buffered_at = aio.ticks_ms()
        await highway.exchange()
        return before, buffered_at, aio.ticks_ms()

    before, buffered_at, next_block = host.run(main(), virtual=True)
    assert before == buffered_at == 320
    assert next_block == 340
    assert device.dropped_blocks == 5
    assert highway.dropped_blocks == 5


def test_a_slot_with_nothing_to_send_sends_silence_and_counts_an_underrun():
    chips, _, highway = eight_port_bus()

    async def main():
        for _ in range(3):
            await highway.exchange()

    host.run(main(), virtual=True)
    assert highway.slot(1).underruns == 3
    assert bytes(chips[1].played[-FRAME_SAMPLES:]) == bytes([0xD5]) * FRAME_SAMPLES
    assert highway.underruns == 3 * 8


def test_unused_timeslots_and_absent_chips_read_as_undriven_ones():
    chip = ScriptedChip(tx=2, rx=2)
    sockets = [ChipSocket("chip", chip), ChipSocket("empty")]
    device = SimPcmDevice(sockets)
    highway = PcmHighway(device, [PcmSlot(2, 0xFF), PcmSlot(5, 0xFF)])
    sockets[0].remove()

    async def main():
        await highway.exchange()
        return highway.slot(2).receive(), highway.slot(5).receive()

    assert host.run(main(), virtual=True) == (b"\xff" * 160, b"\xff" * 160)


def test_highway_rejects_two_ports_on_one_timeslot():
    device = SimPcmDevice([])
    with pytest.raises(ValueError, match="timeslot 3 is given to two ports"):
        PcmHighway(device, [PcmSlot(3, 0xFF), PcmSlot(3, 0xD5)])


def test_idle_byte_names_the_laws_it_knows():
    assert idle_byte("ulaw") == 0xFF and idle_byte("alaw") == 0xD5
    with pytest.raises(ValueError, match="'ulaw' or 'alaw'"):
        idle_byte("g722")


def test_a_tick_listener_answers_captured_frames_in_the_block_written_back_that_tick():
    chips, _, highway = eight_port_bus()
    chips[2].capture_source = lambda n: bytes([0x42]) * n

    def loop_back():
        frame = highway.slot(2).receive()
        if frame is not None:
            highway.slot(2).send(frame)

    highway.add_tick_listener(loop_back)

    async def main():
        await highway.exchange()
        await highway.exchange()

    host.run(main(), virtual=True)
    # Block 1 was captured and echoed within the same tick, so block 2 already plays it.
    assert bytes(chips[2].played[FRAME_SAMPLES:]) == bytes([0x42]) * FRAME_SAMPLES
    assert highway.slot(2).underruns == 0


def test_a_listener_joining_a_running_highway_hears_the_current_block_not_stale_ones():
    chips, _, highway = eight_port_bus()
    block_number = iter(range(1, 100))
    chips[2].capture_source = lambda n: bytes([next(block_number)]) * n
    heard: list[int] = []

    async def main():
        for _ in range(5):  # nobody listens yet: the slot keeps what it can
            await highway.exchange()
        highway.add_tick_listener(lambda: heard.append(highway.slot(2).receive()[0]))
        for _ in range(3):
            await highway.exchange()

    host.run(main(), virtual=True)
    assert heard == [6, 7, 8]  # each tick gets the block captured in it


def test_a_failing_tick_listener_is_counted_and_the_clock_keeps_running():
    _, _, highway = eight_port_bus()
    heard = []

    def broken():
        raise RuntimeError("engine bug")

    highway.add_tick_listener(broken)
    highway.add_tick_listener(lambda: heard.append(aio.ticks_ms()))

    async def main():
        for _ in range(3):
            await highway.exchange()

    host.run(main(), virtual=True)
    assert highway.listener_errors == 3
    assert heard == [20, 40, 60]


class FlakyDevice(SimPcmDevice):
    """Fails its second read, as an audio device does when ALSA reports an error."""

    def __init__(self):
        super().__init__([])
        self.reads = 0

    async def read_block(self):
        self.reads += 1
        if self.reads == 2:
            raise HalError("PCM device 'switchboard' stopped: input overflow")
        return await super().read_block()


def test_the_clock_survives_a_device_error_and_counts_it():
    device = FlakyDevice()
    highway = PcmHighway(device, [PcmSlot(0, 0xFF)])

    async def main():
        clock = aio.create_task(highway.run())
        await aio.sleep(1.0)
        clock.cancel()

    host.run(main(), virtual=True)
    assert highway.device_errors == 1
    assert highway.blocks >= 48
