"""T.30 frames: control field codes, DIS/DCS fields and subscriber identities.

Codes are the octet values an LSB-first HDLC deframer yields; bit 0 is the X bit, which
the answering receiver sends as 0 and masks off on what it receives.
"""

from __future__ import annotations

from dataclasses import dataclass

ADDRESS = 0xFF
CONTROL_NON_FINAL = 0x03
CONTROL_FINAL = 0x13

DIS = 0x80
CSI = 0x40
NSF = 0x20
DCS = 0x82
TSI = 0x42
NSS = 0x22
CFR = 0x84
FTT = 0x44
EOM = 0x8E
MPS = 0x4E
EOP = 0x2E
PRI_EOM = 0x9E
PRI_MPS = 0x5E
PRI_EOP = 0x3E
MCF = 0x8C
RTP = 0xCC
RTN = 0x4C
DCN = 0xFA
CRP = 0x1A
PPS = 0xBE
PPR = 0xBC
CTC = 0x12
CTR = 0xC4
EOR = 0xCE
ERR = 0x1C
RR = 0x6E
RNR = 0xEC
NULL = 0x00

POST_MESSAGE = {EOM: EOM, MPS: MPS, EOP: EOP, PRI_EOM: EOM, PRI_MPS: MPS, PRI_EOP: EOP}
NAMES = {
    DIS: "DIS", CSI: "CSI", NSF: "NSF", DCS: "DCS", TSI: "TSI", NSS: "NSS", CFR: "CFR",
    FTT: "FTT", EOM: "EOM", MPS: "MPS", EOP: "EOP", MCF: "MCF", RTP: "RTP", RTN: "RTN",
    DCN: "DCN", CRP: "CRP",
}  # fmt: skip

# DCS bits 11–14 (as the tuple bit11..bit14) → (modem, bit rate).
DCS_MODEMS = {
    (0, 0, 0, 0): ("V.27ter", 2400),
    (0, 1, 0, 0): ("V.27ter", 4800),
    (1, 0, 0, 0): ("V.29", 9600),
    (1, 1, 0, 0): ("V.29", 7200),
    (0, 0, 0, 1): ("V.17", 14400),
    (0, 1, 0, 1): ("V.17", 12000),
    (1, 0, 0, 1): ("V.17", 9600),
    (1, 1, 0, 1): ("V.17", 7200),
}
WIDTHS = {(0, 0): 1728, (1, 0): 2048, (0, 1): 2432, (1, 1): 2432}
IDENT_OCTETS = 20


def frame(fcf: int, fif: bytes = b"", final: bool = True) -> bytes:
    return bytes((ADDRESS, CONTROL_FINAL if final else CONTROL_NON_FINAL, fcf)) + fif


def fcf_of(received: bytes) -> int:
    """The frame's FCF with the X bit masked off (DIS/CSI/NSF have none to mask)."""
    return received[2] & 0xFE


def is_final(received: bytes) -> bool:
    return received[1] == CONTROL_FINAL


def bit(fif: bytes, number: int) -> int:
    """DIS/DCS bit `number` (1-based, as T.30 Table 2 counts them)."""
    index = (number - 1) // 8
    return (fif[index] >> ((number - 1) % 8)) & 1 if index < len(fif) else 0


def encode_ident(ident: str) -> bytes:
    """CSI/TSI field: last character first, padded with spaces to 20 octets."""
    text = ident[:IDENT_OCTETS].ljust(IDENT_OCTETS)
    return text[::-1].encode("ascii", "replace")


def decode_ident(fif: bytes) -> str:
    return fif[:IDENT_OCTETS][::-1].decode("ascii", "replace").strip()


def receiver_dis(two_dimensional: bool = True, ecm: bool = True) -> bytes:
    """DIS of this receiver: can receive, V.27ter, V.29 and V.17, fine, MR,
    215 mm, unlimited length, no minimum scan time (pages are buffered whole)."""
    # Bits 10 (receive), 11–14 = 1101 (V.27ter + V.29 + V.17), 15 (fine), 16 (MR).
    octet1 = 0x02 | 0x04 | 0x08 | 0x20 | 0x40 | (0x80 if two_dimensional else 0)
    octet2 = 0x08 | 0x70  # bit 20 unlimited length, bits 21–23 = 111: 0 ms
    if not ecm:
        return bytes((0x00, octet1, octet2))
    # Bit 24 extends to the next octet, whose bit 27 offers ECM (256-octet frames, no MMR).
    return bytes((0x00, octet1, octet2 | 0x80, 0x04))


@dataclass(frozen=True)
class Dcs:
    modem: str
    bit_rate: int
    fine: bool
    two_dimensional: bool
    width: int
    ecm: bool

    @property
    def lines_per_inch(self) -> float:
        return 195.58 if self.fine else 97.79


class UnsupportedDcs(ValueError):
    pass


def parse_dcs(fif: bytes) -> Dcs:
    if len(fif) < 3:
        raise UnsupportedDcs("DCS shorter than three octets")
    modem_bits = (bit(fif, 11), bit(fif, 12), bit(fif, 13), bit(fif, 14))
    if modem_bits not in DCS_MODEMS:
        raise UnsupportedDcs(f"modem bits {modem_bits} not supported")
    modem, rate = DCS_MODEMS[modem_bits]
    return Dcs(
        modem=modem,
        bit_rate=rate,
        fine=bool(bit(fif, 15)),
        two_dimensional=bool(bit(fif, 16)),
        width=WIDTHS[(bit(fif, 17), bit(fif, 18))],
        ecm=bool(bit(fif, 27)),
    )


def modem_of(fif: bytes) -> tuple[str, int]:
    """The modem and rate in DCS-style bits 11–14 (also CTC's field)."""
    modem_bits = (bit(fif, 11), bit(fif, 12), bit(fif, 13), bit(fif, 14))
    if modem_bits not in DCS_MODEMS:
        raise UnsupportedDcs(f"modem bits {modem_bits} not supported")
    return DCS_MODEMS[modem_bits]
