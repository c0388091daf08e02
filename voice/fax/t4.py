"""T.4 page decoding: modified Huffman (1-D) and modified READ (2-D) from a bit stream.

The stream is cut at every EOL (eleven or more zeros, then a one) — fill and training
leftovers never hold such a run inside valid data. Each piece between EOLs is one coded
line. A line that does not decode to exactly the page width counts as bad and repeats the
previous good line, as receivers conventionally do. Six EOLs in a row (RTC) end the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from voice.fax.t4_codes import BLACK_CODES, MODE_CODES, WHITE_CODES

EOL_ZEROS = 11
RTC_EMPTY_LINES = 5  # the EOL ending the last line is followed by five more
MAX_CODE_BITS = 13


class LineError(Exception):
    pass


@dataclass
class DecodedPage:
    width: int
    rows: list[np.ndarray] = field(default_factory=list)
    bad_rows: int = 0
    complete: bool = False  # RTC seen

    def image(self) -> np.ndarray:
        """uint8 array, 1 = black."""
        if not self.rows:
            return np.zeros((0, self.width), dtype=np.uint8)
        return np.vstack(self.rows)


def _read_run(bits: str, position: int, codes: dict[str, int]) -> tuple[int, int]:
    """One run (make-up codes then a terminating code) starting at `position`."""
    total = 0
    while True:
        for length in range(2, MAX_CODE_BITS + 1):
            run = codes.get(bits[position : position + length])
            if run is not None:
                position += length
                break
        else:
            raise LineError("no code")
        total += run
        if run < 64:
            return total, position


def _changes(row: np.ndarray) -> list[int]:
    """Positions where the colour changes, starting from an imaginary white pel."""
    padded = np.concatenate(([0], row))
    return np.flatnonzero(padded[1:] != padded[:-1]).tolist()


def decode_1d(bits: str, width: int, position: int = 0) -> np.ndarray:
    row = np.zeros(width, dtype=np.uint8)
    x = 0
    black = False
    while x < width:
        run, position = _read_run(bits, position, BLACK_CODES if black else WHITE_CODES)
        if x + run > width:
            raise LineError("line too long")
        if black:
            row[x : x + run] = 1
        x += run
        black = not black
    return row


def decode_2d(bits: str, width: int, reference: np.ndarray) -> np.ndarray:
    ref = _changes(reference)
    row = np.zeros(width, dtype=np.uint8)
    a0 = -1
    black = False
    position = 0
    while a0 < width:
        for length in range(1, 8):
            mode = MODE_CODES.get(bits[position : position + length])
            if mode is not None:
                position += length
                break
        else:
            raise LineError("no mode code")
        # b1: first change right of a0 to the colour opposite a0's (even index = to black).
        b1_index = next(
            (i for i, p in enumerate(ref) if p > a0 and (i % 2 == 0) != black), len(ref)
        )
        b1 = ref[b1_index] if b1_index < len(ref) else width
        b2 = ref[b1_index + 1] if b1_index + 1 < len(ref) else width
        start = max(a0, 0)
        if mode == "P":
            if black:
                row[start:b2] = 1
            a0 = b2
        elif mode == "H":
            first_codes, second_codes = (
                (BLACK_CODES, WHITE_CODES) if black else (WHITE_CODES, BLACK_CODES)
            )
            run1, position = _read_run(bits, position, first_codes)
            run2, position = _read_run(bits, position, second_codes)
            a1 = start + run1
            a2 = a1 + run2
            if a2 > width:
                raise LineError("horizontal runs past the line end")
            row[start:a1] = 1 if black else 0
            row[a1:a2] = 0 if black else 1
            a0 = a2
        else:
            offset = int(mode[2]) if len(mode) == 3 else 0
            a1 = b1 + (offset if mode.startswith("VR") else -offset)
            if a1 < start or a1 > width:
                raise LineError("vertical mode outside the line")
            if black:
                row[start:a1] = 1
            a0 = a1
            black = not black
    if a0 != width:
        raise LineError("line length mismatch")
    return row


class T4Decoder:
    """Feed the page's bits; `page` fills with rows, `page.complete` turns true at RTC."""

    def __init__(self, width: int, two_dimensional: bool) -> None:
        self.page = DecodedPage(width)
        self.two_dimensional = two_dimensional
        self._segment: list[str] = []
        self._zeros = 0
        self._seen_eol = False
        self._empty_lines = 0
        self._previous = np.zeros(width, dtype=np.uint8)

    def put_bits(self, bits: list[int]) -> None:
        if self.page.complete:
            return
        segment = self._segment
        zeros = self._zeros
        for bit in bits:
            if bit:
                if zeros >= EOL_ZEROS:
                    self._end_of_line(segment)
                    segment = self._segment = []
                    zeros = 0
                    if self.page.complete:
                        break
                    continue
                zeros = 0
                segment.append("1")
            else:
                zeros += 1
                segment.append("0")
        self._zeros = zeros

    def _end_of_line(self, segment: list[str]) -> None:
        if not self._seen_eol:
            self._seen_eol = True  # whatever came before the first EOL is not image
            return
        bits = "".join(segment)
        one_dimensional = True
        if self.two_dimensional and bits:
            one_dimensional, bits = bits[0] == "1", bits[1:]
        if "1" not in bits:  # only fill: an EOL of RTC
            self._count_empty()
            return
        self._empty_lines = 0
        try:
            if one_dimensional:
                row = decode_1d(bits, self.page.width)
            else:
                row = decode_2d(bits, self.page.width, self._previous)
        except (LineError, IndexError):
            self.page.bad_rows += 1
            row = self._previous.copy()
        self._previous = row
        self.page.rows.append(row)

    def _count_empty(self) -> None:
        self._empty_lines += 1
        if self._empty_lines >= RTC_EMPTY_LINES:
            self.page.complete = True
