"""How writes to a 24Cxx-style I2C EEPROM are cut into pages.

A page write that crosses a page boundary wraps around inside the page on these parts, so
every write must be split at page boundaries; after each page the part is busy with its
internal write cycle and does not acknowledge its address until done.
"""

from __future__ import annotations

EEPROM_PAGE_BYTES = 32  # 24C32
EEPROM_WRITE_CYCLE_S = 0.010  # longest internal write cycle of a 24C32 (datasheet: 5-10 ms)


def page_chunks(
    offset: int, data: bytes, page_bytes: int = EEPROM_PAGE_BYTES
) -> list[tuple[int, bytes]]:
    """`data` at `offset` as (offset, chunk) writes, none crossing a page boundary."""
    chunks = []
    position = 0
    while position < len(data):
        start = offset + position
        room = page_bytes - start % page_bytes
        chunk = data[position : position + room]
        chunks.append((start, chunk))
        position += len(chunk)
    return chunks


def offset_bytes(offset: int, width: int) -> bytes:
    """The memory offset as sent after the device address: most significant byte first."""
    if not 0 <= offset < 1 << (8 * width):
        raise ValueError(f"offset {offset} does not fit in {width} byte(s)")
    return offset.to_bytes(width, "big")
