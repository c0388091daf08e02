"""The PCM highway through ALSA via sounddevice: 2 channels of 32 bits at 8 kHz.

PortAudio calls `_callback` on its own thread once per 160-frame block with the captured
block and a buffer to fill for playback. Captured blocks go to a short queue that
`read_block` awaits on the event loop; written blocks wait in another queue for the next
callback. If the engine falls behind, the oldest captured block is dropped and counted; if
it writes nothing in time, the last word of each channel is held (a constant code is DC,
which the chips' audio path does not pass), and that is counted too.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections import deque
from typing import Any

import numpy as np

from drivers.hal.backends import import_backend
from drivers.hal.errors import DeviceNotFound, HalError
from drivers.hal.interfaces import PCM_BLOCK_FRAMES, PCM_CHANNELS, PCM_SAMPLE_RATE

log = logging.getLogger(__name__)

DEFAULT_PCM_DEVICE = "switchboard"  # ALSA card name the hat's overlay gives the I2S link
PCM_DEVICE_ENV = "SWITCHBOARD_PCM_DEVICE"
# A late engine (a stalled loop) catches up on what the device kept instead of losing it.
CAPTURE_BUFFER_BLOCKS = 10  # 200 ms
# Written blocks waiting to be played: kept short so that the earpiece delay, and so the
# echo path the FXO canceller has learned, stays put after a catch-up burst of writes.
PLAYBACK_BUFFER_BLOCKS = 2
IDLE_WORD = 0xFFFF_FFFF  # before anything is written: µ-law silence in all four timeslots


class SoundDevicePcm:
    """`PcmDevice` on the hat's I2S link, opened through sounddevice."""

    sample_rate = PCM_SAMPLE_RATE
    channels = PCM_CHANNELS
    block_frames = PCM_BLOCK_FRAMES

    def __init__(self, device: str | int | None = None) -> None:
        self.device = (
            device if device is not None else os.environ.get(PCM_DEVICE_ENV, DEFAULT_PCM_DEVICE)
        )
        self._sd: Any = import_backend("sounddevice", "sounddevice")
        try:
            self._sd.query_devices(self.device)
        except ValueError as error:
            raise DeviceNotFound(
                f"PCM device {self.device!r} not found: enable the hat overlay (I2S) in "
                f"config.txt, or name the ALSA device in ${PCM_DEVICE_ENV} "
                "(python3 -m sounddevice lists them)"
            ) from error
        self.dropped_blocks = 0  # captured blocks lost: the engine did not read in time
        self.playback_underruns = 0  # blocks played with nothing written for them
        self.device_overflows = 0  # PortAudio reported lost input
        self._lock = threading.Lock()
        self._captured: deque[np.ndarray] = deque()
        self._playback: deque[np.ndarray] = deque()
        self._hold = np.full(PCM_CHANNELS, IDLE_WORD, dtype=np.uint32)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready: asyncio.Event | None = None
        self._stream: Any = None

    def _open(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._ready = asyncio.Event()
        try:
            self._stream = self._sd.Stream(
                samplerate=PCM_SAMPLE_RATE,
                blocksize=PCM_BLOCK_FRAMES,
                device=self.device,
                channels=PCM_CHANNELS,
                dtype="int32",
                callback=self._callback,
            )
            self._stream.start()
        except (self._sd.PortAudioError, ValueError) as error:
            raise HalError(f"cannot start PCM device {self.device!r}: {error}") from error
        log.info("PCM device %r running", self.device)

    def _callback(self, indata: Any, outdata: Any, frames: int, _time: Any, status: Any) -> None:
        """On PortAudio's thread: queue the capture, play the next written block."""
        if status and getattr(status, "input_overflow", False):
            self.device_overflows += 1
        captured = np.array(indata, dtype=np.int32).view(np.uint32)
        with self._lock:
            if len(self._captured) >= CAPTURE_BUFFER_BLOCKS:
                self._captured.popleft()
                self.dropped_blocks += 1
            self._captured.append(captured)
            block = self._playback.popleft() if self._playback else None
        if block is None or block.shape[0] != frames:
            self.playback_underruns += 1
            outdata[:] = self._hold.view(np.int32)
        else:
            outdata[:] = block.view(np.int32)
            self._hold = block[-1].copy()
        loop, ready = self._loop, self._ready
        if loop is not None and ready is not None and not loop.is_closed():
            loop.call_soon_threadsafe(ready.set)

    async def read_block(self) -> np.ndarray:
        if self._stream is None:
            self._open()
        assert self._ready is not None
        while True:
            with self._lock:
                if self._captured:
                    return self._captured.popleft()
                self._ready.clear()
            await self._ready.wait()

    def write_block(self, block: np.ndarray) -> None:
        with self._lock:
            if len(self._playback) >= PLAYBACK_BUFFER_BLOCKS:
                self._playback.popleft()
            self._playback.append(np.ascontiguousarray(block, dtype=np.uint32))

    def close(self) -> None:
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()
            self._stream = None
