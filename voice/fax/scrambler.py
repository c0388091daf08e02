"""Self-synchronising descramblers of the image modems."""

from __future__ import annotations


class Descrambler:
    """i[n] = r[n] ⊕ r[n−a] ⊕ r[n−b]: 1 + x⁻¹⁸ + x⁻²³ for V.29/V.17, 1 + x⁻⁶ + x⁻⁷ for V.27ter."""

    def __init__(self, tap_a: int, tap_b: int, register: int = 0) -> None:
        self._tap_a = tap_a
        self._tap_b = tap_b
        self._register = register  # received bits, newest in bit 0

    def descramble(self, bit: int) -> int:
        register = self._register
        out = bit ^ ((register >> (self._tap_a - 1)) & 1) ^ ((register >> (self._tap_b - 1)) & 1)
        self._register = ((register << 1) | bit) & ((1 << self._tap_b) - 1)
        return out


def v29_descrambler() -> Descrambler:
    return Descrambler(18, 23)


GUARD_COUNT = 33


class V27terDescrambler:
    """1 + x⁻⁶ + x⁻⁷ with V.27ter's repeating-pattern guard: a counter clears when the
    received bit differs from each of the bits 8, 9 and 12 before it and counts up
    otherwise; at 33 the sender inverted its next bit, so the receiver inverts it back."""

    def __init__(self) -> None:
        self._register = 0  # received bits, newest in bit 0
        self._count = 0

    def descramble(self, bit: int) -> int:
        register = self._register
        out = (bit ^ (register >> 5) ^ (register >> 6)) & 1
        if self._count >= GUARD_COUNT:
            out ^= 1
            self._count = 0
        elif ((register >> 7) ^ bit) & ((register >> 8) ^ bit) & ((register >> 11) ^ bit) & 1:
            self._count = 0
        else:
            self._count += 1
        self._register = ((register << 1) | bit) & 0xFFF
        return out
