"""The G.711 codec inside an emulated chip, between its analog side and the PCM highway.

Built from the reconstruction levels the recommendation defines, independently of
`voice.g711`, so a test that passes audio through the emulated hat checks the product codec
against a separate model instead of against itself. Encoding picks the code whose
reconstruction level is nearest, which is what an analog codec's decision levels do.
"""

from __future__ import annotations

import numpy as np


def _ulaw_levels() -> np.ndarray:
    levels = np.empty(256, dtype=np.int32)
    for code in range(256):
        inverted = ~code & 0xFF
        exponent = (inverted >> 4) & 0x07
        mantissa = inverted & 0x0F
        magnitude = ((mantissa << 3) + 0x84) << exponent
        magnitude -= 0x84
        levels[code] = -magnitude if inverted & 0x80 else magnitude
    return levels


def _alaw_levels() -> np.ndarray:
    levels = np.empty(256, dtype=np.int32)
    for code in range(256):
        toggled = code ^ 0x55
        segment = (toggled >> 4) & 0x07
        step = toggled & 0x0F
        if segment == 0:
            magnitude = (step << 4) + 8
        else:
            magnitude = ((step << 4) + 0x108) << (segment - 1)
        levels[code] = magnitude if toggled & 0x80 else -magnitude
    return levels


class ChipCodec:
    """Linear int16 samples to and from one G.711 law ("ulaw" or "alaw")."""

    def __init__(self, law: str) -> None:
        if law not in ("ulaw", "alaw"):
            raise ValueError(f"unknown G.711 law {law!r}")
        self.law = law
        self._levels = _ulaw_levels() if law == "ulaw" else _alaw_levels()
        order = np.argsort(self._levels, kind="stable")
        # µ-law has two codes for zero; keep the positive one (0xFF), as encoders do.
        sorted_levels = self._levels[order]
        keep = np.concatenate(([True], np.diff(sorted_levels) != 0))
        if law == "ulaw":
            zero_codes = order[sorted_levels == 0]
            order = order.copy()
            order[np.flatnonzero(sorted_levels == 0)[0]] = max(zero_codes)
        self._sorted_codes = order[keep].astype(np.uint8)
        self._sorted_levels = sorted_levels[keep]
        self._boundaries = (self._sorted_levels[:-1] + self._sorted_levels[1:]) / 2.0
        self.silence_byte = int(self.encode(np.zeros(1, dtype=np.int16))[0])

    def decode(self, codes: bytes | np.ndarray) -> np.ndarray:
        index = np.frombuffer(codes, dtype=np.uint8) if isinstance(codes, bytes) else codes
        return self._levels[index].astype(np.int16)

    def encode(self, samples: np.ndarray) -> np.ndarray:
        position = np.searchsorted(self._boundaries, samples.astype(np.float64), side="right")
        return self._sorted_codes[position]
