"""HDLC framing as T.30 uses it: flags, zero-bit stuffing and the CRC-16 frame check.

Bits travel least significant bit first. `HdlcEncoder` turns frames into a bit list with
flags around them; `HdlcDecoder` takes received bits one at a time and yields the frames
whose check sequence is good, counting the bad ones.
"""

from __future__ import annotations

from collections.abc import Iterable

FLAG = 0x7E
FLAG_BITS = [0, 1, 1, 1, 1, 1, 1, 0]
CRC_GOOD_RESIDUE = 0xF0B8
MIN_FRAME_OCTETS = 3  # address, control and at least one octet, before the FCS
MAX_FRAME_OCTETS = 300  # ECM frames carry 256 data octets plus header


def crc16(data: bytes, crc: int = 0xFFFF) -> int:
    """CRC-16-CCITT as HDLC runs it: preset all ones, reflected, no final complement."""
    for octet in data:
        crc ^= octet
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc


def frame_check_sequence(data: bytes) -> bytes:
    """The two FCS octets to append to `data` (ones-complemented, low octet first)."""
    fcs = crc16(data) ^ 0xFFFF
    return bytes((fcs & 0xFF, fcs >> 8))


def octet_bits(octet: int) -> list[int]:
    return [(octet >> i) & 1 for i in range(8)]


class HdlcEncoder:
    """Frames to line bits: opening flags, stuffed frame bodies, a closing flag."""

    def frame_bits(self, frame: bytes) -> list[int]:
        """One frame with its FCS, bit-stuffed, without flags."""
        bits: list[int] = []
        ones = 0
        for octet in frame + frame_check_sequence(frame):
            for bit in octet_bits(octet):
                bits.append(bit)
                ones = ones + 1 if bit else 0
                if ones == 5:
                    bits.append(0)
                    ones = 0
        return bits

    def encode(self, frames: Iterable[bytes], preamble_flags: int = 1) -> list[int]:
        """Preamble flags, then each frame followed by one flag (shared as the next opener)."""
        bits = FLAG_BITS * preamble_flags
        for frame in frames:
            bits += self.frame_bits(frame)
            bits += FLAG_BITS
        return bits


class HdlcDecoder:
    """Bits to frames. Call `put_bit` per received bit; good frames are returned."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._ones = 0
        self._octet = 0
        self._bit_count = 0
        self._buffer = bytearray()
        self._in_frame = False
        self.flags_seen = 0
        self.bad_frames = 0
        self.good_frames = 0

    def put_bits(self, bits: Iterable[int]) -> list[bytes]:
        frames = []
        for bit in bits:
            frame = self.put_bit(bit)
            if frame is not None:
                frames.append(frame)
        return frames

    def put_bit(self, bit: int) -> bytes | None:
        if bit:
            self._ones += 1
            if self._ones > 6:  # abort or idle ones: drop any frame in progress
                self._in_frame = False
                self._buffer.clear()
            return None
        ones = self._ones
        self._ones = 0
        if ones == 6:
            return self._flag()
        if not self._in_frame:
            return None
        # After five ones the zero was stuffed by the sender: keep the ones, drop the zero.
        self._push(ones, trailing_zero=ones != 5)
        return None

    def _push(self, ones: int, trailing_zero: bool) -> None:
        for _ in range(ones):
            self._shift(1)
        if trailing_zero:
            self._shift(0)

    def _shift(self, bit: int) -> None:
        self._octet |= bit << self._bit_count
        self._bit_count += 1
        if self._bit_count == 8:
            if len(self._buffer) < MAX_FRAME_OCTETS:
                self._buffer.append(self._octet)
            else:
                self._in_frame = False
            self._octet = 0
            self._bit_count = 0

    def _flag(self) -> bytes | None:
        frame = None
        if self._in_frame and len(self._buffer) >= MIN_FRAME_OCTETS + 2:
            # The flag's leading zero is already shifted in: an aligned frame leaves just it.
            if self._bit_count == 1 and crc16(bytes(self._buffer)) == CRC_GOOD_RESIDUE:
                frame = bytes(self._buffer[:-2])
                self.good_frames += 1
            else:
                self.bad_frames += 1
        self.flags_seen += 1
        self._in_frame = True
        self._buffer.clear()
        self._octet = 0
        self._bit_count = 0
        return frame
