"""Interfaces between chip drivers and the buses they talk over."""

from __future__ import annotations

from enum import Enum
from typing import Protocol

import numpy as np

from drivers.frames import FRAME_SAMPLES, SAMPLE_RATE_HZ

PCM_SAMPLE_RATE = SAMPLE_RATE_HZ
PCM_CHANNELS = 2
PCM_BLOCK_FRAMES = FRAME_SAMPLES  # one media clock tick per block


class Edge(Enum):
    RISING = "rising"
    FALLING = "falling"
    BOTH = "both"


class SpiDevice(Protocol):
    """One chip select on SPI0, mode 3, MSB first.

    The Si32xx chips need chip select released after every byte, so `transfer` clocks each
    byte of `data` in its own chip-select frame and returns the bytes clocked in.
    """

    def transfer(self, data: bytes) -> bytes: ...

    def close(self) -> None: ...


class GpioLine(Protocol):
    """One GPIO line, input or output as it was opened."""

    def read(self) -> bool: ...

    def write(self, value: bool) -> None: ...

    async def wait_for_edge(self, edge: Edge, timeout_ms: float | None = None) -> bool:
        """Wait for `edge`; True when seen, False on timeout.

        Edges are latched: one that happened since the previous call returns at once, so a
        driver that reads the line and then waits cannot miss a transition in between.
        """
        ...

    def close(self) -> None: ...


class I2cBus(Protocol):
    """An I2C bus addressing devices with a memory offset (EEPROMs use two bytes)."""

    def read(self, address: int, offset: int, length: int, offset_width: int = 2) -> bytes: ...

    def write(self, address: int, offset: int, data: bytes, offset_width: int = 2) -> None: ...

    def close(self) -> None: ...


class PcmDevice(Protocol):
    """The PCM highway as a 2-channel, 32-bit, 8 kHz capture and playback device.

    Each 32-bit word carries four 8-bit G.711 timeslots (see `drivers.pcm`). The device's
    clock is the system's master clock: `read_block` returns when the next block has been
    captured, which is what paces the engine's media clock.
    """

    sample_rate: int
    channels: int
    block_frames: int

    async def read_block(self) -> np.ndarray:
        """The next captured block: shape (block_frames, channels), dtype uint32."""
        ...

    def write_block(self, block: np.ndarray) -> None:
        """Queue one block for playback: shape (block_frames, channels), dtype uint32."""
        ...

    def close(self) -> None: ...
