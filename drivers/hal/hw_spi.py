"""SPI through Linux spidev: one chip select per chip, mode 3, chip select released per byte."""

from __future__ import annotations

import logging
from typing import Any

from drivers.hal.backends import import_backend, require_node
from drivers.hal.errors import HalError

log = logging.getLogger(__name__)

SPI_MODE = 3  # clock idles high, data sampled on the rising edge
SPI_SPEED_HZ = 1_000_000  # well inside what the ProSLIC and DAA accept


class SpidevDevice:
    """`SpiDevice` on /dev/spidev<bus>.<chip_select>.

    The Si32xx chips latch a byte when chip select rises, so every byte is its own
    transfer: the kernel releases chip select at the end of each one.
    """

    def __init__(self, bus: int, chip_select: int, *, speed_hz: int = SPI_SPEED_HZ) -> None:
        self.node = f"/dev/spidev{bus}.{chip_select}"
        require_node(
            self.node,
            "SPI device",
            "enable SPI (dtparam=spi=on in config.txt) and the hat overlay, then reboot",
        )
        spidev = import_backend("spidev", "spidev")
        self._spi: Any = spidev.SpiDev()
        try:
            self._spi.open(bus, chip_select)
        except OSError as error:
            raise HalError(f"cannot open SPI device {self.node}: {error}") from error
        self._spi.mode = SPI_MODE
        self._spi.max_speed_hz = speed_hz
        self._spi.bits_per_word = 8
        log.debug("opened %s at %d Hz, mode %d", self.node, speed_hz, SPI_MODE)

    def transfer(self, data: bytes) -> bytes:
        try:
            return bytes(self._spi.xfer2([byte])[0] for byte in data)
        except OSError as error:
            raise HalError(f"SPI transfer on {self.node} failed: {error}") from error

    def close(self) -> None:
        self._spi.close()
