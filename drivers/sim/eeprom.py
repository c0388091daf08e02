"""The hat's ID EEPROM as the simulated I2C bus sees it: a 24C32-like part at 0x50.

`EepromEmulator` behaves like the real part at the byte level: a 16-bit word address (only
the low 12 bits count), sequential reads that wrap at the end of memory, page writes that
wrap inside their 32-byte page, and a write cycle after each page during which the part
does not acknowledge its address. I2C transfers are synchronous, so the write cycle lasts a
fixed number of address polls rather than milliseconds (time does not move during a burst).

`SimI2cBus` is the `I2cBus` the simulated hat hands out. Faults: `EepromEmulator.corrupt`
(flip bits in stored bytes), `write_protected`, and an absent part (`SimI2cBus.remove`).
"""

from __future__ import annotations

import logging
import random

from drivers.hal.eeprom_paging import EEPROM_PAGE_BYTES, offset_bytes, page_chunks
from drivers.hal.errors import I2cNoAcknowledge

log = logging.getLogger(__name__)

EEPROM_SIZE_BYTES = 4096
WRITE_CYCLE_POLLS = 3  # address polls the part ignores after a page write
MAX_READY_POLLS = 100  # a bus master gives up on a part that stays busy longer


class EepromEmulator:
    """A 24C32: 4 KiB, 32-byte pages, 16-bit word address."""

    def __init__(self, contents: bytes = b"", *, write_protected: bool = False) -> None:
        if len(contents) > EEPROM_SIZE_BYTES:
            raise ValueError(f"a 24C32 holds {EEPROM_SIZE_BYTES} bytes, got {len(contents)}")
        self.memory = bytearray(b"\xff" * EEPROM_SIZE_BYTES)  # erased cells read 0xFF
        self.memory[: len(contents)] = contents
        self.write_protected = write_protected  # WP pin high: writes are acknowledged, ignored
        self.page_writes = 0
        self._pointer = 0
        self._busy_polls = 0

    # What the bus master does, transfer by transfer.
    def acknowledge(self) -> bool:
        """The part answers its address; not during a write cycle."""
        if self._busy_polls:
            self._busy_polls -= 1
            return False
        return True

    def set_pointer(self, address_bytes: bytes) -> None:
        self._pointer = int.from_bytes(address_bytes, "big") % EEPROM_SIZE_BYTES

    def read(self, length: int) -> bytes:
        """Sequential read from the address pointer, wrapping at the end of memory."""
        out = bytearray()
        for _ in range(length):
            out.append(self.memory[self._pointer])
            self._pointer = (self._pointer + 1) % EEPROM_SIZE_BYTES
        return bytes(out)

    def write(self, address_bytes: bytes, data: bytes) -> None:
        """One page write: bytes past the page end wrap to its start, as on the real part."""
        self.set_pointer(address_bytes)
        page_start = self._pointer - self._pointer % EEPROM_PAGE_BYTES
        if not self.write_protected:
            for i, byte in enumerate(data):
                cell = page_start + (self._pointer - page_start + i) % EEPROM_PAGE_BYTES
                self.memory[cell] = byte
        self.page_writes += 1
        self._busy_polls = WRITE_CYCLE_POLLS

    # Fault injection.
    def corrupt(self, offset: int | None = None, *, seed: int = 0) -> int:
        """Flip one bit of a stored byte (a random one in the used area when not given)."""
        rng = random.Random(seed)
        if offset is None:
            used = len(self.memory.rstrip(b"\xff")) or EEPROM_SIZE_BYTES
            offset = rng.randrange(used)
        self.memory[offset] ^= 1 << rng.randrange(8)
        log.info("EEPROM byte %d corrupted", offset)
        return offset

    def erase(self) -> None:
        self.memory[:] = b"\xff" * EEPROM_SIZE_BYTES


class SimI2cBus:
    """An I2C bus with emulated memory devices on it, addressed like the real bus master."""

    def __init__(self, bus: int = 0, devices: dict[int, EepromEmulator] | None = None) -> None:
        self.bus = bus
        self.devices: dict[int, EepromEmulator] = dict(devices or {})
        self.closed = False

    def remove(self, address: int) -> None:
        """Take a device off the bus (an unfitted or dead part)."""
        self.devices.pop(address, None)

    def _ready(self, address: int) -> EepromEmulator:
        device = self.devices.get(address)
        if device is not None:
            for _ in range(MAX_READY_POLLS):
                if device.acknowledge():
                    return device
        raise I2cNoAcknowledge(
            f"no device acknowledges I2C address 0x{address:02X} on bus {self.bus}: "
            "check the hat is seated and its ID EEPROM is fitted"
        )

    def read(self, address: int, offset: int, length: int, offset_width: int = 2) -> bytes:
        device = self._ready(address)
        device.set_pointer(offset_bytes(offset, offset_width))
        return device.read(length)

    def write(self, address: int, offset: int, data: bytes, offset_width: int = 2) -> None:
        for start, chunk in page_chunks(offset, data):
            self._ready(address).write(offset_bytes(start, offset_width), chunk)

    def close(self) -> None:
        self.closed = True
