"""Our manufacturer custom atom: the hat's port table, versioned.

The engine discovers the hat's ports from it: for each port its kind, chip, chip select,
PCM timeslot and interrupt GPIO, plus the hat's serial, product name, SPI bus, shared RESET
GPIO and PCM start offset. See `encode_port_table` for the byte layout.
"""

from __future__ import annotations

import struct

from drivers.eeprom_format import REFLASH, EepromError
from drivers.hat_layout import ChipType, HatLayout, PortLayout
from drivers.ports import PortKind

PORT_TABLE_MAGIC = b"SWBD"
PORT_TABLE_VERSION = 1
# magic, version, SPI bus, RESET GPIO, PCM start offset (bit clocks), port count
PORT_TABLE_HEADER = struct.Struct("<4sBBBBB")
PORT_ENTRY = struct.Struct("<BBBBBB")  # index, kind, chip, chip select, timeslot, int gpio
NO_INTERRUPT = 0xFF
_KIND_CODES = {PortKind.FXS: 0, PortKind.FXO: 1}
_CHIP_CODES = {ChipType.SI3215: 1, ChipType.SI3050: 2}


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
        raise EepromError(f"hat EEPROM port table is missing its header: {REFLASH}")
    if data[version_at] != PORT_TABLE_VERSION:
        raise EepromError(
            f"hat EEPROM port table is format version {data[version_at]}; this firmware reads "
            f"version {PORT_TABLE_VERSION}: update the firmware"
        )
    if len(data) < PORT_TABLE_HEADER.size:
        raise EepromError(f"hat EEPROM port table header is truncated: {REFLASH}")
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
                f"{len(data) - offset} bytes of port entries: {REFLASH}"
            )
        ports = [
            _decode_port(*PORT_ENTRY.unpack_from(data, offset + i * PORT_ENTRY.size))
            for i in range(port_count)
        ]
    except (struct.error, IndexError, UnicodeDecodeError) as error:
        raise EepromError(
            f"hat EEPROM port table is truncated or garbled ({error}): {REFLASH}"
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
        raise EepromError(f"hat EEPROM port table is inconsistent ({error}): {REFLASH}") from error


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
