"""PCM highway: per-port frame queues over one timeslot each.

`PcmSlot` is what a port uses: whole 160-sample G.711 frames in and out, with underrun and
overrun counters. The highway packs the slots' bytes into the 2×32-bit words of the I2S
device and back.
"""

from __future__ import annotations

from collections import deque

FRAME_SAMPLES = 160  # 20 ms at 8 kHz
MAX_QUEUED_FRAMES = 3  # beyond this the oldest frame is dropped and counted


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
