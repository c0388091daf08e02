"""Self-synchronising descramblers of the image modems."""

from __future__ import annotations


class Descrambler:
    """i[n] = r[n] ⊕ r[n−a] ⊕ r[n−b]: 1 + x⁻¹⁸ + x⁻²³ for V.29/V.17, 1 + x⁻⁶ + x⁻⁷ for V.27ter."""

    def __init__(self, tap_a: int, tap_b: int) -> None:
        self._tap_a = tap_a
        self._tap_b = tap_b
        self._register = 0  # received bits, newest in bit 0

    def descramble(self, bit: int) -> int:
        register = self._register
        out = bit ^ ((register >> (self._tap_a - 1)) & 1) ^ ((register >> (self._tap_b - 1)) & 1)
        self._register = ((register << 1) | bit) & ((1 << self._tap_b) - 1)
        return out


def v29_descrambler() -> Descrambler:
    return Descrambler(18, 23)
