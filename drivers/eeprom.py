"""The hat's ID EEPROM in the Raspberry Pi HAT format, with our port table as a custom atom.

Layout of the image (all multi-byte fields little-endian, as the HAT specification says):
a 12-byte header ("R-Pi", format version 1, atom count, total length), then atoms of
type, count, data length (data + CRC), data and a CRC-16 over everything before it in the
atom. We write the vendor info, the GPIO map, the name of the hat's device-tree overlay and
one manufacturer custom atom holding the port table (see `encode_port_table`). The engine
discovers the ports from that table; anything malformed raises `EepromError` with a message
saying what is wrong and what to do.
"""

from __future__ import annotations

import struct
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum

from drivers.hal.interfaces import I2cBus
from drivers.hat_layout import (
    ID_EEPROM_GPIOS,
    PCM_GPIOS,
    SPI0_CHIP_SELECT_GPIOS,
    SPI0_DATA_GPIOS,
    ChipType,
    HatLayout,
    PortLayout,
)
from drivers.ports import PortKind

EEPROM_I2C_ADDRESS = 0x50  # the HAT ID EEPROM on ID_SD/ID_SC
EEPROM_SIZE_BYTES = 4096  # 24C32, the part the HAT design guide recommends
SIGNATURE = b"R-Pi"
FORMAT_VERSION = 1
HEADER = struct.Struct("<4sBBHI")  # signature, version, reserved, atom count, total length
ATOM_HEADER = struct.Struct("<HHI")  # type, count, data length including the CRC
CRC_BYTES = 2
BANK0_GPIOS = 28  # GPIO 0..27 on the 40-pin header

VENDOR = "Switchboard"
PRODUCT_ID = 0x5342  # "SB"
PRODUCT_VERSION = 1
DEFAULT_OVERLAY = "switchboard-hat"  # the firmware loads <name>.dtbo at boot
# Our custom atom: magic, format version, then the port table (see encode_port_table).
PORT_TABLE_MAGIC = b"SWBD"
PORT_TABLE_VERSION = 1
# magic, version, SPI bus, RESET GPIO, PCM start offset (bit clocks), port count
PORT_TABLE_HEADER = struct.Struct("<4sBBBBB")
PORT_ENTRY = struct.Struct("<BBBBBB")  # index, kind, chip, chip select, timeslot, int gpio
NO_INTERRUPT = 0xFF
_UUID_NAMESPACE = uuid.UUID("6f1b0e4c-3a57-5b8e-9d2a-53574244e11a")
_KIND_CODES = {PortKind.FXS: 0, PortKind.FXO: 1}
_CHIP_CODES = {ChipType.SI3215: 1, ChipType.SI3050: 2}


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


_REFLASH = "re-flash it with `switchboard hw eeprom-image` and `switchboard hw eeprom-flash`"


def decode_image(image: bytes) -> list[Atom]:
    """The atoms of an image, after checking the header, every length and every CRC."""
    if len(image) < HEADER.size:
        raise EepromError(
            f"hat EEPROM data is truncated: {len(image)} bytes read, the header alone "
            f"needs {HEADER.size}; check the EEPROM is fitted and {_REFLASH}"
        )
    signature, version, _reserved, atom_count, total = HEADER.unpack_from(image)
    if signature != SIGNATURE:
        if image[: HEADER.size] == b"\xff" * HEADER.size:
            raise EepromError(f"hat EEPROM is blank (erased): {_REFLASH}")
        raise EepromError(
            f"hat EEPROM does not start with the 'R-Pi' signature (found {signature.hex(' ')}):"
            f" its contents are corrupt or it is not a HAT EEPROM; {_REFLASH}"
        )
    if version != FORMAT_VERSION:
        raise EepromError(
            f"hat EEPROM uses HAT format version {version}; this firmware reads version "
            f"{FORMAT_VERSION}: update the firmware or {_REFLASH}"
        )
    if not HEADER.size <= total <= EEPROM_SIZE_BYTES:
        raise EepromError(
            f"hat EEPROM header announces an impossible length of {total} bytes: {_REFLASH}"
        )
    if total > len(image):
        raise EepromError(
            f"hat EEPROM data is truncated: the header announces {total} bytes but only "
            f"{len(image)} were read; {_REFLASH}"
        )
    atoms = []
    offset = HEADER.size
    for index in range(atom_count):
        if offset + ATOM_HEADER.size > total:
            raise EepromError(
                f"hat EEPROM is truncated: atom {index} of {atom_count} starts past the end "
                f"of the {total}-byte image; {_REFLASH}"
            )
        atom_type, count, length = ATOM_HEADER.unpack_from(image, offset)
        end = offset + ATOM_HEADER.size + length
        if length < CRC_BYTES or end > total:
            raise EepromError(
                f"hat EEPROM atom {index} claims {length} bytes, which runs past the end of "
                f"the {total}-byte image: the contents are corrupt; {_REFLASH}"
            )
        stored = struct.unpack_from("<H", image, end - CRC_BYTES)[0]
        computed = crc16(image[offset : end - CRC_BYTES])
        if stored != computed:
            raise EepromError(
                f"hat EEPROM atom {index} ({_atom_name(atom_type)}) fails its CRC check "
                f"(stored 0x{stored:04X}, computed 0x{computed:04X}): the contents are "
                f"corrupt; {_REFLASH}"
            )
        if count != index:
            raise EepromError(
                f"hat EEPROM atom {index} is numbered {count}: the atoms are out of order; "
                f"{_REFLASH}"
            )
        atoms.append(Atom(atom_type, bytes(image[offset + ATOM_HEADER.size : end - CRC_BYTES])))
        offset = end
    return atoms


def _atom_name(atom_type: int) -> str:
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
            raise EepromError(f"hat EEPROM vendor info atom is too short: {_REFLASH}")
        raw_uuid, pid, pver, vendor_len, product_len = cls._FIXED.unpack_from(data)
        strings = data[cls._FIXED.size :]
        if len(strings) != vendor_len + product_len:
            raise EepromError(f"hat EEPROM vendor info strings do not fit the atom: {_REFLASH}")
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
            raise EepromError(f"hat EEPROM GPIO map atom has the wrong size: {_REFLASH}")
        pins = {
            gpio: GpioPin(GpioFunction(value & 0x07), Pull((value >> 5) & 0x03))
            for gpio, value in enumerate(data[2:])
            if value & 0x80
        }
        return cls(pins=pins, back_power=data[1] & 0x03)


def gpio_map_for(layout: HatLayout) -> GpioMap:
    """The GPIO map of a hat wired per `drivers.hat_layout`."""
    pins: dict[int, GpioPin] = {}
    for gpio in (*SPI0_DATA_GPIOS, *PCM_GPIOS):
        pins[gpio] = GpioPin(GpioFunction.ALT0)
    for port in layout.ports:
        pins[SPI0_CHIP_SELECT_GPIOS[port.chip_select]] = GpioPin(GpioFunction.OUTPUT)
        if port.interrupt_gpio is not None:
            # INT is open drain, active low: pulled up while no chip asserts it.
            pins[port.interrupt_gpio] = GpioPin(GpioFunction.INPUT, Pull.UP)
    pins[layout.reset_gpio] = GpioPin(GpioFunction.OUTPUT, Pull.UP)
    for gpio in ID_EEPROM_GPIOS:
        pins.pop(gpio, None)
    return GpioMap(pins=pins)


def encode_port_table(layout: HatLayout) -> bytes:
    """Our custom atom, version 1.

    Header: b"SWBD", version, SPI bus, RESET GPIO, the PCM start offset (bit clocks from
    frame sync to timeslot 0 as the hat is wired), port count; then the serial and the
    product name, each as a length byte and UTF-8 text; then 6 bytes per port: index,
    kind (0 FXS, 1 FXO), chip (1 Si3215, 2 Si3050), chip select, timeslot and INT GPIO
    (0xFF when the port has none).
    """
    serial = layout.serial.encode()
    product = layout.product.encode()
    if len(serial) > 255 or len(product) > 255:
        raise ValueError("serial and product name must each fit in 255 bytes")
    table = bytearray(
        PORT_TABLE_HEADER.pack(
            PORT_TABLE_MAGIC,
            PORT_TABLE_VERSION,
            layout.spi_bus,
            layout.reset_gpio,
            layout.pcm_start_offset,
            len(layout.ports),
        )
    )
    table += bytes([len(serial)]) + serial + bytes([len(product)]) + product
    for port in layout.ports:
        table += PORT_ENTRY.pack(
            port.index,
            _KIND_CODES[port.kind],
            _CHIP_CODES[port.chip],
            port.chip_select,
            port.timeslot,
            NO_INTERRUPT if port.interrupt_gpio is None else port.interrupt_gpio,
        )
    return bytes(table)


def is_port_table(data: bytes) -> bool:
    return data[: len(PORT_TABLE_MAGIC)] == PORT_TABLE_MAGIC


def decode_port_table(data: bytes, name: str = "") -> HatLayout:
    """The layout our custom atom describes, checked for consistency."""
    version_at = len(PORT_TABLE_MAGIC)
    if len(data) <= version_at or not is_port_table(data):
        raise EepromError(f"hat EEPROM port table is missing its header: {_REFLASH}")
    if data[version_at] != PORT_TABLE_VERSION:
        raise EepromError(
            f"hat EEPROM port table is format version {data[version_at]}; this firmware reads "
            f"version {PORT_TABLE_VERSION}: update the firmware"
        )
    if len(data) < PORT_TABLE_HEADER.size:
        raise EepromError(f"hat EEPROM port table header is truncated: {_REFLASH}")
    _magic, _version, spi_bus, reset_gpio, pcm_offset, port_count = PORT_TABLE_HEADER.unpack_from(
        data
    )
    try:
        offset = PORT_TABLE_HEADER.size
        serial, offset = _read_text(data, offset)
        product, offset = _read_text(data, offset)
        if len(data) != offset + port_count * PORT_ENTRY.size:
            raise EepromError(
                f"hat EEPROM port table announces {port_count} ports but holds "
                f"{len(data) - offset} bytes of port entries: {_REFLASH}"
            )
        ports = [
            _decode_port(*PORT_ENTRY.unpack_from(data, offset + i * PORT_ENTRY.size))
            for i in range(port_count)
        ]
    except (struct.error, IndexError, UnicodeDecodeError) as error:
        raise EepromError(
            f"hat EEPROM port table is truncated or garbled ({error}): {_REFLASH}"
        ) from error
    kinds = {kind: sum(1 for p in ports if p.kind is kind) for kind in PortKind}
    variant = name or f"{kinds[PortKind.FXS]}fxs{kinds[PortKind.FXO]}fxo"
    try:
        return HatLayout(
            name=variant,
            product=product,
            ports=tuple(ports),
            reset_gpio=reset_gpio,
            spi_bus=spi_bus,
            serial=serial,
            pcm_start_offset=pcm_offset,
        )
    except ValueError as error:
        raise EepromError(f"hat EEPROM port table is inconsistent ({error}): {_REFLASH}") from error


def _read_text(data: bytes, offset: int) -> tuple[str, int]:
    length = data[offset]
    end = offset + 1 + length
    if end > len(data):
        raise IndexError("text runs past the end of the atom")
    return data[offset + 1 : end].decode(), end


def _decode_port(
    index: int, kind_code: int, chip_code: int, chip_select: int, timeslot: int, gpio: int
) -> PortLayout:
    kinds = {code: kind for kind, code in _KIND_CODES.items()}
    chips = {code: chip for chip, code in _CHIP_CODES.items()}
    if kind_code not in kinds:
        raise EepromError(
            f"hat EEPROM lists port {index} as kind {kind_code}, which this firmware does not "
            "know (0 FXS, 1 FXO): update the firmware"
        )
    if chip_code not in chips:
        known = ", ".join(f"{code} {chip.value}" for code, chip in chips.items())
        raise EepromError(
            f"hat EEPROM lists port {index} with chip type {chip_code}, which this firmware "
            f"does not drive (known: {known}): update the firmware"
        )
    return PortLayout(
        index=index,
        kind=kinds[kind_code],
        chip=chips[chip_code],
        chip_select=chip_select,
        timeslot=timeslot,
        interrupt_gpio=None if gpio == NO_INTERRUPT else gpio,
    )


@dataclass(frozen=True)
class HatDescription:
    """Everything the EEPROM says about the hat."""

    layout: HatLayout
    vendor: VendorInfo
    gpio_map: GpioMap
    overlay: str | None


def board_uuid(serial: str) -> uuid.UUID:
    """The vendor-atom UUID of the board with this serial: stable, unique per serial."""
    return uuid.uuid5(_UUID_NAMESPACE, serial)


def build_image(layout: HatLayout, *, overlay: str | None = DEFAULT_OVERLAY) -> bytes:
    """The bytes a manufacturer flashes into the hat's EEPROM (`layout.serial` must be set)."""
    if not layout.serial:
        raise ValueError("a hat EEPROM image needs the board's serial number")
    vendor = VendorInfo(
        uuid=board_uuid(layout.serial),
        product_id=PRODUCT_ID,
        product_version=PRODUCT_VERSION,
        vendor=VENDOR,
        product=layout.product.encode("ascii", errors="replace").decode(),
    )
    atoms = [
        Atom(AtomType.VENDOR_INFO, vendor.encode()),
        Atom(AtomType.GPIO_MAP, gpio_map_for(layout).encode()),
    ]
    if overlay:
        atoms.append(Atom(AtomType.DEVICE_TREE, overlay.encode("ascii")))
    atoms.append(Atom(AtomType.CUSTOM, encode_port_table(layout)))
    return encode_image(atoms)


def parse_image(image: bytes) -> HatDescription:
    """Decode and validate a whole image; `EepromError` says what is wrong."""
    atoms = decode_image(image)
    by_type: dict[int, list[Atom]] = {}
    for atom in atoms:
        by_type.setdefault(atom.type, []).append(atom)
    for required in (AtomType.VENDOR_INFO, AtomType.GPIO_MAP):
        if required not in by_type:
            raise EepromError(f"hat EEPROM has no {_atom_name(required)} atom: {_REFLASH}")
    vendor = VendorInfo.decode(by_type[AtomType.VENDOR_INFO][0].data)
    tables = [a for a in by_type.get(AtomType.CUSTOM, []) if is_port_table(a.data)]
    if not tables:
        raise EepromError(
            f"the hat's EEPROM describes {vendor.vendor!r} {vendor.product!r}, which is not a "
            "Switchboard hat (no port table): fit a Switchboard hat or flash its EEPROM"
        )
    overlay_atoms = by_type.get(AtomType.DEVICE_TREE, [])
    overlay = None
    if overlay_atoms and not overlay_atoms[0].data.startswith(b"\xd0\x0d\xfe\xed"):
        overlay = overlay_atoms[0].data.decode("ascii", errors="replace").strip()
    return HatDescription(
        layout=decode_port_table(tables[0].data),
        vendor=vendor,
        gpio_map=GpioMap.decode(by_type[AtomType.GPIO_MAP][0].data),
        overlay=overlay,
    )


def read_eeprom(bus: I2cBus, address: int = EEPROM_I2C_ADDRESS) -> bytes:
    """The image bytes as stored: the header, then as many bytes as it announces."""
    header = bus.read(address, 0, HEADER.size)
    if header[:4] != SIGNATURE:
        return header  # parse_image explains what is wrong with it
    total = HEADER.unpack(header)[4]
    if not HEADER.size < total <= EEPROM_SIZE_BYTES:
        return header
    return header + bus.read(address, HEADER.size, total - HEADER.size)


def write_eeprom(bus: I2cBus, image: bytes, address: int = EEPROM_I2C_ADDRESS) -> None:
    """Flash `image` and read it back; a mismatch (write-protected part) is an error."""
    if len(image) > EEPROM_SIZE_BYTES:
        raise ValueError(f"image is {len(image)} bytes; the EEPROM holds {EEPROM_SIZE_BYTES}")
    bus.write(address, 0, image)
    readback = bus.read(address, 0, len(image))
    if readback != image:
        first = next(i for i, (a, b) in enumerate(zip(readback, image, strict=True)) if a != b)
        raise EepromError(
            f"hat EEPROM verify failed at byte {first}: the part is write-protected (close "
            "the WP jumper while flashing) or faulty"
        )
