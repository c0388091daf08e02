"""The simulated PCM highway as the Pi's I2S port sees it: a 2×32-bit, 8 kHz device.

Every block period (20 ms on the aio clock, virtual or real) each fitted chip plays the
bytes of its RX timeslot from the block the engine wrote last, and drives its TX timeslot
with what it captured. The frame is modelled as the wire carries it: 64 bit clocks after
frame sync, timeslot t in clocks 8t..8t+7, most significant bit first; the I2S receiver
takes the first 32 clocks as the left (channel 0) word and the next 32 as the right word,
so each word is the base-256 number its four timeslot bytes spell.
Timeslots nobody drives read 0xFF (the data line is pulled up).

A reader that falls behind gets the blocks still in the device buffer at once; blocks
older than the buffer are lost and counted, as an ALSA capture overrun would lose them.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable

import numpy as np

import aio
from drivers.frames import FRAME_S, PCM_TIMESLOTS
from drivers.hal.interfaces import PCM_BLOCK_FRAMES, PCM_CHANNELS, PCM_SAMPLE_RATE
from drivers.sim.chip_socket import ChipSocket

log = logging.getLogger(__name__)

CAPTURE_BUFFER_BLOCKS = 10  # this many captured blocks wait for a late reader (200 ms)
PLAYBACK_BUFFER_BLOCKS = 2  # written blocks waiting to be played; older ones are discarded
UNDRIVEN_BYTE = 0xFF
_SILENCE = {"ulaw": 0xFF, "alaw": 0xD5}
_EPSILON_BLOCKS = 1e-6  # absorbs float rounding of the clock at block boundaries


_PLACE_VALUES = np.array([1 << 24, 1 << 16, 1 << 8, 1], dtype=np.int64)  # MSB first
_PLACE_SHIFTS = np.array([24, 16, 8, 0], dtype=np.uint32)


def wire_to_words(timeslot_bytes: np.ndarray) -> np.ndarray:
    """(frames, 8) timeslot bytes → (frames, 2) uint32 I2S words.

    The receiver shifts 32 bit clocks into each word, most significant bit first, so the
    k-th timeslot byte of a word lands at place value 256^(3 − k).
    """
    grouped = timeslot_bytes.astype(np.int64).reshape(-1, PCM_CHANNELS, 4)
    return (grouped @ _PLACE_VALUES).astype(np.uint32)


def words_to_wire(words: np.ndarray) -> np.ndarray:
    """(frames, 2) I2S words → (frames, 8) timeslot bytes as they go out on the wire."""
    digits = (words.astype(np.uint32)[:, :, None] >> _PLACE_SHIFTS) & 0xFF
    return digits.astype(np.uint8).reshape(-1, PCM_TIMESLOTS)


class SimPcmDevice:
    """`PcmDevice` of the simulated hat, paced by the aio clock."""

    sample_rate = PCM_SAMPLE_RATE
    channels = PCM_CHANNELS
    block_frames = PCM_BLOCK_FRAMES

    def __init__(self, sockets: Iterable[ChipSocket]) -> None:
        self.sockets = sockets  # a live view: chips fitted later join the highway
        self.blocks_captured = 0
        self.dropped_blocks = 0  # captured blocks lost because nobody read them in time
        self.playback_underruns = 0  # block periods with no block written for them
        self.playback_overruns = 0  # written blocks discarded: written faster than played
        self.slot_collisions = 0  # two chips driving the same timeslot
        self.closed = False
        self._next_index: int | None = None
        self._written: deque[np.ndarray] = deque()
        self._short_blocks = 0

    def inject_short_block(self, count: int = 1) -> None:
        """Fault: the next `count` reads return half a block (a glitch in the driver)."""
        self._short_blocks += count

    async def read_block(self) -> np.ndarray:
        now_blocks = aio.monotonic() / FRAME_S
        passed = int(np.floor(now_blocks + _EPSILON_BLOCKS))  # boundaries already passed
        if self._next_index is None:
            self._next_index = passed + 1
        late = passed - self._next_index
        if late >= CAPTURE_BUFFER_BLOCKS:
            lost = late - CAPTURE_BUFFER_BLOCKS + 1
            self.dropped_blocks += lost
            self._next_index += lost
            log.warning("PCM capture overrun: %d blocks lost", lost)
        wait_s = self._next_index * FRAME_S - aio.monotonic()
        if wait_s > _EPSILON_BLOCKS * FRAME_S:
            await aio.sleep(wait_s)
        self._next_index += 1
        block = self._run_block()
        if self._short_blocks:
            self._short_blocks -= 1
            return block[: PCM_BLOCK_FRAMES // 2].copy()
        return block

    def write_block(self, block: np.ndarray) -> None:
        if block.shape != (PCM_BLOCK_FRAMES, PCM_CHANNELS):
            raise ValueError(
                f"a playback block is ({PCM_BLOCK_FRAMES}, {PCM_CHANNELS}) words, got {block.shape}"
            )
        if len(self._written) >= PLAYBACK_BUFFER_BLOCKS:
            self._written.popleft()
            self.playback_overruns += 1
        self._written.append(block.astype(np.uint32, copy=True))

    def _run_block(self) -> np.ndarray:
        """One block period on the highway: chips play what came in, drive what they capture."""
        if self._written:
            playback = words_to_wire(self._written.popleft())
        else:
            playback = None
            self.playback_underruns += 1
        capture = np.full((PCM_BLOCK_FRAMES, PCM_TIMESLOTS), UNDRIVEN_BYTE, dtype=np.uint8)
        driven: set[int] = set()
        for socket in list(self.sockets):
            chip = socket.emulator
            if chip is None or socket.in_reset:
                continue
            rx = chip.pcm_rx_timeslot
            if rx is not None and 0 <= rx < PCM_TIMESLOTS:
                if playback is None:
                    data = bytes([_SILENCE.get(chip.law, 0xFF)]) * PCM_BLOCK_FRAMES
                else:
                    data = playback[:, rx].tobytes()
                chip.pcm_playback(data)
            tx = chip.pcm_tx_timeslot
            if tx is not None and 0 <= tx < PCM_TIMESLOTS:
                captured = np.frombuffer(chip.pcm_capture(PCM_BLOCK_FRAMES), dtype=np.uint8)
                if tx in driven:
                    self.slot_collisions += 1
                    capture[:, tx] &= captured  # contention: a driven 0 wins
                else:
                    capture[:, tx] = captured
                    driven.add(tx)
        self.blocks_captured += 1
        return wire_to_words(capture)

    def close(self) -> None:
        self.closed = True
