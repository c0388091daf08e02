"""PCM highway: per-port frame queues over one timeslot each.

`PcmSlot` is what a port uses: whole 160-sample G.711 frames in and out, with underrun and
overrun counters. `PcmHighway` packs the slots' bytes into the 2×32-bit words of the I2S
device and back (`pack_timeslots`, `unpack_timeslots`), one 20 ms block per media tick.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable

import numpy as np

import aio
from drivers.frames import FRAME_MS, FRAME_SAMPLES, PCM_TIMESLOTS
from drivers.hal.errors import HalError
from drivers.hal.interfaces import PcmDevice

log = logging.getLogger(__name__)

MAX_QUEUED_FRAMES = 3  # beyond this the oldest frame is dropped and counted
LOG_EVERY_ERRORS = 1000  # repeated errors are logged once per this many


class PcmSlot:
    """One 8-bit timeslot: frames received from the chip and frames to send to it."""

    def __init__(self, timeslot: int, idle_byte: int) -> None:
        self.timeslot = timeslot
        self.idle_byte = idle_byte  # G.711 silence for this slot's law
        self._received: deque[bytes] = deque()
        self._to_send: deque[bytes] = deque()
        self.underruns = 0  # a block went out with no frame queued: silence was sent
        self.overruns = 0  # a frame was dropped because nobody consumed the queue

    def receive(self) -> bytes | None:
        """The oldest received frame, or None if none arrived since the last call."""
        return self._received.popleft() if self._received else None

    def send(self, frame: bytes) -> None:
        """Queue one frame of exactly FRAME_SAMPLES bytes for the chip."""
        if len(frame) != FRAME_SAMPLES:
            raise ValueError(f"a PCM frame is {FRAME_SAMPLES} bytes, got {len(frame)}")
        if len(self._to_send) >= MAX_QUEUED_FRAMES:
            self._to_send.popleft()
            self.overruns += 1
        self._to_send.append(frame)

    def discard_received(self) -> int:
        """Drop the frames waiting to be received (stale ones); returns how many."""
        count = len(self._received)
        self._received.clear()
        return count

    # The highway side.
    def deliver(self, frame: bytes) -> None:
        if len(self._received) >= MAX_QUEUED_FRAMES:
            self._received.popleft()
            self.overruns += 1
        self._received.append(frame)

    def next_to_send(self) -> bytes:
        if self._to_send:
            return self._to_send.popleft()
        self.underruns += 1
        return bytes([self.idle_byte]) * FRAME_SAMPLES


ULAW_SILENCE = 0xFF
ALAW_SILENCE = 0xD5
UNDRIVEN_BYTE = 0xFF  # an unused timeslot: nothing drives the data line
_BIG_ENDIAN_WORD = np.dtype(">u4")


def idle_byte(law: str) -> int:
    """The G.711 code for silence in `law` ("ulaw" or "alaw")."""
    try:
        return {"ulaw": ULAW_SILENCE, "alaw": ALAW_SILENCE}[law]
    except KeyError:
        raise ValueError(f"unknown G.711 law {law!r}: use 'ulaw' or 'alaw'") from None


def pack_timeslots(timeslot_bytes: np.ndarray) -> np.ndarray:
    """(frames, 8) uint8 timeslot bytes → (frames, 2) uint32 words of the I2S device.

    Timeslot t goes to channel t // 4, bits 31−8·(t%4) … 24−8·(t%4): the first timeslot
    after frame sync is the most significant byte of channel 0. Four consecutive bytes
    read as one big-endian 32-bit word are exactly that.
    """
    grouped = np.ascontiguousarray(timeslot_bytes, dtype=np.uint8).reshape(-1, PCM_TIMESLOTS)
    return grouped.view(_BIG_ENDIAN_WORD).astype(np.uint32)


def unpack_timeslots(words: np.ndarray) -> np.ndarray:
    """(frames, 2) uint32 I2S words → (frames, 8) uint8 timeslot bytes."""
    big_endian = np.ascontiguousarray(words, dtype=_BIG_ENDIAN_WORD)
    return big_endian.view(np.uint8).reshape(-1, PCM_TIMESLOTS)


class PcmHighway:
    """All timeslots of the hat over one I2S device, exchanged one block at a time.

    `exchange` is the media clock tick: it waits for the next captured block, hands each
    slot its frame, and writes the frames the slots queued for sending. A malformed
    (short, wrongly shaped) block from the device is counted and skipped, never raised.
    """

    def __init__(self, device: PcmDevice, slots: Iterable[PcmSlot]) -> None:
        self.device = device
        self._slots: dict[int, PcmSlot] = {}
        for slot in slots:
            if not 0 <= slot.timeslot < PCM_TIMESLOTS:
                raise ValueError(f"timeslot {slot.timeslot} is outside 0..{PCM_TIMESLOTS - 1}")
            if slot.timeslot in self._slots:
                raise ValueError(f"timeslot {slot.timeslot} is given to two ports")
            self._slots[slot.timeslot] = slot
        self.blocks = 0  # blocks exchanged
        self._tick_listeners: list[Callable[[], None]] = []
        self.malformed_blocks = 0  # device blocks of the wrong size or shape
        self.device_errors = 0  # reads or writes the device failed
        self.listener_errors = 0  # tick listeners that raised
        self._outgoing = np.full((FRAME_SAMPLES, PCM_TIMESLOTS), UNDRIVEN_BYTE, dtype=np.uint8)

    def slot(self, timeslot: int) -> PcmSlot:
        try:
            return self._slots[timeslot]
        except KeyError:
            raise KeyError(f"no port uses PCM timeslot {timeslot}") from None

    @property
    def slots(self) -> list[PcmSlot]:
        return [self._slots[t] for t in sorted(self._slots)]

    @property
    def underruns(self) -> int:
        return sum(slot.underruns for slot in self._slots.values())

    @property
    def overruns(self) -> int:
        return sum(slot.overruns for slot in self._slots.values())

    @property
    def dropped_blocks(self) -> int:
        """Blocks lost: malformed ones here plus those the device itself reports lost."""
        return self.malformed_blocks + int(getattr(self.device, "dropped_blocks", 0))

    def counters(self) -> dict[str, int]:
        return {
            "blocks": self.blocks,
            "underruns": self.underruns,
            "overruns": self.overruns,
            "dropped_blocks": self.dropped_blocks,
            "device_errors": self.device_errors,
        }

    def add_tick_listener(self, listener: Callable[[], None]) -> None:
        """Call `listener` every block, after the slots received and before they send.

        This is how the engine ticks on the PCM clock: frames captured in a block can be
        answered in the block written back the same tick. Frames that piled up in the slots
        while nobody listened are dropped, or a listener taking one frame per tick would
        hear everything that many blocks late for good.
        """
        self._tick_listeners.append(listener)
        for slot in self._slots.values():
            slot.discard_received()

    def remove_tick_listener(self, listener: Callable[[], None]) -> None:
        if listener in self._tick_listeners:
            self._tick_listeners.remove(listener)

    async def exchange(self) -> None:
        """One media clock tick: receive a block for every slot, send one from every slot."""
        block = await self.device.read_block()
        if block.shape == (FRAME_SAMPLES, 2):
            received = unpack_timeslots(block.view(np.uint32) if block.dtype == np.int32 else block)
            for timeslot, slot in self._slots.items():
                slot.deliver(received[:, timeslot].tobytes())
        else:
            self.malformed_blocks += 1
            log.warning("PCM block of shape %s dropped", block.shape)
        for listener in list(self._tick_listeners):
            try:
                listener()
            except Exception:  # one broken listener must not stop the master clock
                self.listener_errors += 1
                if self.listener_errors == 1 or self.listener_errors % LOG_EVERY_ERRORS == 0:
                    log.exception("PCM tick listener failed (%d so far)", self.listener_errors)
        for timeslot, slot in self._slots.items():
            self._outgoing[:, timeslot] = np.frombuffer(slot.next_to_send(), dtype=np.uint8)
        self.device.write_block(pack_timeslots(self._outgoing))
        self.blocks += 1

    async def run(self) -> None:
        """Exchange blocks until cancelled: the hat's media clock.

        A device error is logged and retried a block later, so a glitch in the audio
        device does not stop the clock for good.
        """
        while True:
            try:
                await self.exchange()
            except HalError as error:
                self.device_errors += 1
                if self.device_errors == 1 or self.device_errors % LOG_EVERY_ERRORS == 0:
                    log.error("PCM device error (%d so far): %s", self.device_errors, error)
                await aio.sleep_ms(FRAME_MS)

    def close(self) -> None:
        self.device.close()
