"""Error correction mode (T.4 Annex A, T.30 Annex A): the image as numbered HDLC frames.

`EcmBlock` collects one partial page's FCD frames off the image modem; after the sender's
PPS it knows which frames are missing (the PPR map) or hands over the block's data. `EcmPage`
joins the blocks and turns the page's octets into T.4 bits (first bit in the LSB).
"""

from __future__ import annotations

from voice.fax.hdlc import HdlcDecoder

FCD = 0x06
RCP = 0x86
PPR_MAP_OCTETS = 32
MAX_FRAMES = 256


class EcmBlock:
    def __init__(self) -> None:
        self.frames: dict[int, bytes] = {}
        self.frame_count: int | None = None  # from the first PPS of the block
        self._hdlc = HdlcDecoder()

    def restart_carrier(self) -> None:
        self._hdlc = HdlcDecoder()

    def put_bits(self, bits: list[int]) -> None:
        for frame in self._hdlc.put_bits(bits):
            if len(frame) >= 4 and frame[2] == FCD:
                self.frames[frame[3]] = frame[4:]

    def missing(self, frame_count: int) -> list[int]:
        if self.frame_count is None:
            self.frame_count = frame_count
        return [k for k in range(self.frame_count) if k not in self.frames]

    def ppr_map(self) -> bytes:
        """1 = send again: the missing frames and every number past the block's end."""
        count = self.frame_count or 0
        wanted = [k not in self.frames or k >= count for k in range(MAX_FRAMES)]
        return bytes(
            sum(1 << bit for bit in range(8) if wanted[octet * 8 + bit])
            for octet in range(PPR_MAP_OCTETS)
        )

    def data(self) -> bytes:
        count = self.frame_count or 0
        return b"".join(self.frames[k] for k in range(count))


def octets_to_bits(data: bytes) -> list[int]:
    return [(octet >> bit) & 1 for octet in data for bit in range(8)]
