"""I2C through smbus2: 16-bit memory offsets and page writes with write-cycle polling."""

from __future__ import annotations

import errno
import logging
import time
from collections.abc import Callable
from typing import Any

from drivers.hal.backends import import_backend, require_node
from drivers.hal.eeprom_paging import EEPROM_WRITE_CYCLE_S, offset_bytes, page_chunks
from drivers.hal.errors import HalError, I2cNoAcknowledge

log = logging.getLogger(__name__)

READ_CHUNK_BYTES = 256  # keeps each combined transfer small for every adapter
POLL_INTERVAL_S = 0.0005
_NO_ACK_ERRNOS = {errno.EREMOTEIO, errno.ENXIO, errno.EIO}


class Smbus2Bus:
    """`I2cBus` on /dev/i2c-<bus>.

    The HAT ID EEPROM sits on the ID_SD/ID_SC pins: Linux reaches it as /dev/i2c-0 with
    `dtparam=i2c_vc=on`, or as /dev/i2c-9 with
    `dtoverlay=i2c-gpio,i2c_gpio_sda=0,i2c_gpio_scl=1,bus=9`.
    """

    def __init__(
        self,
        bus: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.bus = bus
        self._clock = clock  # real time: the write cycle runs in the part, not in the loop
        self._sleep = sleep
        self.node = f"/dev/i2c-{bus}"
        require_node(
            self.node,
            "I2C bus",
            "for the hat's ID EEPROM add dtparam=i2c_vc=on to config.txt (bus 0) or "
            "dtoverlay=i2c-gpio,i2c_gpio_sda=0,i2c_gpio_scl=1,bus=9 (bus 9), then reboot",
        )
        smbus2 = import_backend("smbus2", "smbus2")
        self._msg: Any = smbus2.i2c_msg
        try:
            self._smbus: Any = smbus2.SMBus(bus)
        except OSError as error:
            raise HalError(f"cannot open I2C bus {self.node}: {error}") from error

    def _transfer(self, address: int, *messages: Any) -> None:
        """Run one combined transfer, retrying while the device is in its write cycle."""
        deadline = self._clock() + 2 * EEPROM_WRITE_CYCLE_S
        while True:
            try:
                self._smbus.i2c_rdwr(*messages)
                return
            except OSError as error:
                if error.errno not in _NO_ACK_ERRNOS:
                    raise HalError(f"I2C transfer on {self.node} failed: {error}") from error
                if self._clock() >= deadline:
                    raise I2cNoAcknowledge(
                        f"no device acknowledges I2C address 0x{address:02X} on {self.node}: "
                        "check the hat is seated and its ID EEPROM is fitted"
                    ) from error
            self._sleep(POLL_INTERVAL_S)

    def read(self, address: int, offset: int, length: int, offset_width: int = 2) -> bytes:
        out = bytearray()
        while len(out) < length:
            count = min(READ_CHUNK_BYTES, length - len(out))
            where = self._msg.write(address, offset_bytes(offset + len(out), offset_width))
            data = self._msg.read(address, count)
            self._transfer(address, where, data)
            out += bytes(list(data))
        return bytes(out)

    def write(self, address: int, offset: int, data: bytes, offset_width: int = 2) -> None:
        for start, chunk in page_chunks(offset, data):
            payload = offset_bytes(start, offset_width) + chunk
            self._transfer(address, self._msg.write(address, payload))
        log.info("wrote %d bytes at 0x%04X to I2C device 0x%02X", len(data), offset, address)

    def close(self) -> None:
        self._smbus.close()
