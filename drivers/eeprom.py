"""The hat's ID EEPROM: the HAT-format image we flash and how the engine reads it back.

An image holds the vendor info, the GPIO map, the name of the hat's device-tree overlay and
our port table as a manufacturer custom atom (`drivers.eeprom_format` has the HAT format,
`drivers.eeprom_ports` the port table). `parse_image` validates all of it; a missing,
blank, corrupt or foreign EEPROM raises `EepromError` with a message saying what to do.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from drivers.eeprom_format import (
    ATOM_HEADER,
    BANK0_GPIOS,
    CRC_BYTES,
    EEPROM_I2C_ADDRESS,
    EEPROM_SIZE_BYTES,
    FORMAT_VERSION,
    HEADER,
    REFLASH,
    SIGNATURE,
    Atom,
    AtomType,
    EepromError,
    GpioFunction,
    GpioMap,
    GpioPin,
    Pull,
    VendorInfo,
    atom_name,
    crc16,
    decode_image,
    encode_image,
)
from drivers.eeprom_ports import decode_port_table, encode_port_table, is_port_table
from drivers.hal.interfaces import I2cBus
from drivers.hat_layout import (
    ID_EEPROM_GPIOS,
    PCM_GPIOS,
    SPI0_CHIP_SELECT_GPIOS,
    SPI0_DATA_GPIOS,
    HatLayout,
)

__all__ = [
    "ATOM_HEADER",
    "BANK0_GPIOS",
    "CRC_BYTES",
    "DEFAULT_OVERLAY",
    "EEPROM_I2C_ADDRESS",
    "EEPROM_SIZE_BYTES",
    "FORMAT_VERSION",
    "HEADER",
    "SIGNATURE",
    "Atom",
    "AtomType",
    "EepromError",
    "GpioFunction",
    "GpioMap",
    "GpioPin",
    "HatDescription",
    "Pull",
    "VendorInfo",
    "board_uuid",
    "build_image",
    "crc16",
    "decode_image",
    "decode_port_table",
    "encode_image",
    "encode_port_table",
    "gpio_map_for",
    "parse_image",
    "read_eeprom",
    "write_eeprom",
]

VENDOR = "Switchboard"
PRODUCT_ID = 0x5342  # "SB"
PRODUCT_VERSION = 1
DEFAULT_OVERLAY = "switchboard-hat"  # the firmware loads <name>.dtbo at boot
DTB_MAGIC = b"\xd0\x0d\xfe\xed"  # a device-tree atom holding a blob rather than a name
_UUID_NAMESPACE = uuid.UUID("6f1b0e4c-3a57-5b8e-9d2a-53574244e11a")


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
            raise EepromError(f"hat EEPROM has no {atom_name(required)} atom: {REFLASH}")
    vendor = VendorInfo.decode(by_type[AtomType.VENDOR_INFO][0].data)
    tables = [a for a in by_type.get(AtomType.CUSTOM, []) if is_port_table(a.data)]
    if not tables:
        raise EepromError(
            f"the hat's EEPROM describes {vendor.vendor!r} {vendor.product!r}, which is not a "
            "Switchboard hat (no port table): fit a Switchboard hat or flash its EEPROM"
        )
    overlay_atoms = by_type.get(AtomType.DEVICE_TREE, [])
    overlay = None
    if overlay_atoms and not overlay_atoms[0].data.startswith(DTB_MAGIC):
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
