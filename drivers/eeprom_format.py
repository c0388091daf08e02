"""The Raspberry Pi HAT ID EEPROM format: header, atoms with their CRC-16, vendor info, GPIO map.

Layout of an image (all multi-byte fields little-endian, as the HAT specification says):
a 12-byte header ("R-Pi", format version 1, atom count, total length), then atoms of
type, count, data length (data + CRC), data and a CRC-16 over everything before it in the
atom. Anything malformed raises `EepromError` with a message saying what is wrong and what
to do.
"""

from __future__ import annotations

import struct
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum

EEPROM_I2C_ADDRESS = 0x50  # the HAT ID EEPROM on ID_SD/ID_SC
EEPROM_SIZE_BYTES = 4096  # 24C32, the part the HAT design guide recommends
SIGNATURE = b"R-Pi"
FORMAT_VERSION = 1
HEADER = struct.Struct("<4sBBHI")  # signature, version, reserved, atom count, total length
ATOM_HEADER = struct.Struct("<HHI")  # type, count, data length including the CRC
CRC_BYTES = 2
BANK0_GPIOS = 28  # GPIO 0..27 on the 40-pin header


class EepromError(Exception):
    """The hat EEPROM is missing, blank, corrupt or not ours; the message says what to do."""


class AtomType(IntEnum):
    VENDOR_INFO = 0x0001
    GPIO_MAP = 0x0002
    DEVICE_TREE = 0x0003
    CUSTOM = 0x0004
    GPIO_MAP_BANK1 = 0x0005


class GpioFunction(IntEnum):
    """The BCM2835 FSEL field values the GPIO map atom stores."""

    INPUT = 0
    OUTPUT = 1
    ALT0 = 4
    ALT1 = 5
    ALT2 = 6
    ALT3 = 7
    ALT4 = 3
    ALT5 = 2


class Pull(IntEnum):
    DEFAULT = 0
    UP = 1
    DOWN = 2
    NONE = 3


def _crc16_table() -> list[int]:
    # CRC-16 with polynomial x^16 + x^15 + x^2 + 1 (0x8005), processed least significant
    # bit first (hence the reflected 0xA001), initial value 0, no final XOR.
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC16_TABLE = _crc16_table()


def crc16(data: bytes) -> int:
    """The atom checksum the HAT specification defines (CRC-16, poly 0x8005, reflected)."""
    crc = 0
    for byte in data:
        crc = (crc >> 8) ^ _CRC16_TABLE[(crc ^ byte) & 0xFF]
    return crc


@dataclass(frozen=True)
class Atom:
    type: int
    data: bytes


def encode_image(atoms: Sequence[Atom]) -> bytes:
    """Header plus atoms, each counted in order and closed by its CRC."""
    body = bytearray()
    for count, atom in enumerate(atoms):
        head = ATOM_HEADER.pack(atom.type, count, len(atom.data) + CRC_BYTES)
        body += head + atom.data + struct.pack("<H", crc16(head + atom.data))
    total = HEADER.size + len(body)
    if total > EEPROM_SIZE_BYTES:
        raise ValueError(f"EEPROM image is {total} bytes; the EEPROM holds {EEPROM_SIZE_BYTES}")
    return HEADER.pack(SIGNATURE, FORMAT_VERSION, 0, len(atoms), total) + bytes(body)


REFLASH = "re-flash it with `switchboard hw eeprom-image` and `switchboard hw eeprom-flash`"


def decode_image(image: bytes) -> list[Atom]:
    """The atoms of an image, after checking the header, every length and every CRC."""
    if len(image) < HEADER.size:
        raise EepromError(
            f"hat EEPROM data is truncated: {len(image)} bytes read, the header alone "
            f"needs {HEADER.size}; check the EEPROM is fitted and {REFLASH}"
        )
    signature, version, _reserved, atom_count, total = HEADER.unpack_from(image)
    if signature != SIGNATURE:
        if image[: HEADER.size] == b"\xff" * HEADER.size:
            raise EepromError(f"hat EEPROM is blank (erased): {REFLASH}")
        raise EepromError(
            f"hat EEPROM does not start with the 'R-Pi' signature (found {signature.hex(' ')}):"
            f" its contents are corrupt or it is not a HAT EEPROM; {REFLASH}"
        )
    if version != FORMAT_VERSION:
        raise EepromError(
            f"hat EEPROM uses HAT format version {version}; this firmware reads version "
            f"{FORMAT_VERSION}: update the firmware or {REFLASH}"
        )
    if not HEADER.size <= total <= EEPROM_SIZE_BYTES:
        raise EepromError(
            f"hat EEPROM header announces an impossible length of {total} bytes: {REFLASH}"
        )
    if total > len(image):
        raise EepromError(
            f"hat EEPROM data is truncated: the header announces {total} bytes but only "
            f"{len(image)} were read; {REFLASH}"
        )
    atoms = []
    offset = HEADER.size
    for index in range(atom_count):
        if offset + ATOM_HEADER.size > total:
            raise EepromError(
                f"hat EEPROM is truncated: atom {index} of {atom_count} starts past the end "
                f"of the {total}-byte image; {REFLASH}"
            )
        atom_type, count, length = ATOM_HEADER.unpack_from(image, offset)
        end = offset + ATOM_HEADER.size + length
        if length < CRC_BYTES or end > total:
            raise EepromError(
                f"hat EEPROM atom {index} claims {length} bytes, which runs past the end of "
                f"the {total}-byte image: the contents are corrupt; {REFLASH}"
            )
        stored = struct.unpack_from("<H", image, end - CRC_BYTES)[0]
        computed = crc16(image[offset : end - CRC_BYTES])
        if stored != computed:
            raise EepromError(
                f"hat EEPROM atom {index} ({atom_name(atom_type)}) fails its CRC check "
                f"(stored 0x{stored:04X}, computed 0x{computed:04X}): the contents are "
                f"corrupt; {REFLASH}"
            )
        if count != index:
            raise EepromError(
                f"hat EEPROM atom {index} is numbered {count}: the atoms are out of order; "
                f"{REFLASH}"
            )
        atoms.append(Atom(atom_type, bytes(image[offset + ATOM_HEADER.size : end - CRC_BYTES])))
        offset = end
    return atoms


def atom_name(atom_type: int) -> str:
    try:
        return AtomType(atom_type).name.lower().replace("_", " ")
    except ValueError:
        return f"type 0x{atom_type:04X}"


@dataclass(frozen=True)
class VendorInfo:
    uuid: uuid.UUID
    product_id: int
    product_version: int
    vendor: str
    product: str

    _FIXED = struct.Struct("<16sHHBB")

    def encode(self) -> bytes:
        vendor = self.vendor.encode("ascii")
        product = self.product.encode("ascii")
        fixed = self._FIXED.pack(
            self.uuid.int.to_bytes(16, "little"),
            self.product_id,
            self.product_version,
            len(vendor),
            len(product),
        )
        return fixed + vendor + product

    @classmethod
    def decode(cls, data: bytes) -> VendorInfo:
        if len(data) < cls._FIXED.size:
            raise EepromError(f"hat EEPROM vendor info atom is too short: {REFLASH}")
        raw_uuid, pid, pver, vendor_len, product_len = cls._FIXED.unpack_from(data)
        strings = data[cls._FIXED.size :]
        if len(strings) != vendor_len + product_len:
            raise EepromError(f"hat EEPROM vendor info strings do not fit the atom: {REFLASH}")
        return cls(
            uuid=uuid.UUID(int=int.from_bytes(raw_uuid, "little")),
            product_id=pid,
            product_version=pver,
            vendor=strings[:vendor_len].decode("ascii", errors="replace"),
            product=strings[vendor_len:].decode("ascii", errors="replace"),
        )


@dataclass(frozen=True)
class GpioPin:
    function: GpioFunction
    pull: Pull = Pull.DEFAULT


@dataclass(frozen=True)
class GpioMap:
    """Which bank-0 GPIOs the hat uses and how (drive, slew and hysteresis left default)."""

    pins: Mapping[int, GpioPin] = field(default_factory=dict)
    back_power: int = 0  # the hat does not power the Pi

    def encode(self) -> bytes:
        pin_bytes = bytearray(BANK0_GPIOS)
        for gpio, pin in self.pins.items():
            pin_bytes[gpio] = 0x80 | (pin.pull << 5) | pin.function
        return bytes([0, self.back_power & 0x03]) + bytes(pin_bytes)

    @classmethod
    def decode(cls, data: bytes) -> GpioMap:
        if len(data) != 2 + BANK0_GPIOS:
            raise EepromError(f"hat EEPROM GPIO map atom has the wrong size: {REFLASH}")
        pins = {
            gpio: GpioPin(GpioFunction(value & 0x07), Pull((value >> 5) & 0x03))
            for gpio, value in enumerate(data[2:])
            if value & 0x80
        }
        return cls(pins=pins, back_power=data[1] & 0x03)
