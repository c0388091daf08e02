"""V.29 receiver (9600 and 7200 bit/s), 1700 Hz carrier, 2400 symbols/s.

Each symbol's phase change from the previous one carries three bits (the V.27ter 4800
table); at 9600 bit/s a first bit chooses the ring (3 or 5 on the axes, √2 or 3√2 on the
diagonals). The training segment 3 (384 symbols of C and D chosen by a 1 + x⁻⁶ + x⁻⁷
generator) is what the receiver fits its equaliser to.
"""

from __future__ import annotations

import cmath
import math
from typing import cast

import numpy as np

from voice.fax.psk_rx import PskReceiverCore
from voice.fax.scrambler import v29_descrambler

CARRIER_HZ = 1700.0
BAUD = 2400.0
SEGMENT_2_SYMBOLS = 128
SEGMENT_3_SYMBOLS = 384
TRAINING_SEED = 0x2A
MAX_TRAINING_ERROR = 1.0  # mean squared error on the ±5 scale
# Phase change in 45° steps → the three bits it carries, first bit first.
PHASE_CHANGE_BITS = {
    0: (0, 0, 1),
    1: (0, 0, 0),
    2: (0, 1, 0),
    3: (0, 1, 1),
    4: (1, 1, 1),
    5: (1, 1, 0),
    6: (1, 0, 0),
    7: (1, 0, 1),
}
TRAINING_POINTS = {
    9600: (complex(3, 0), complex(-3, 3)),
    7200: (complex(3, 0), complex(-1, 1)),
}


def training_sequence(bit_rate: int) -> np.ndarray:
    """Segment 3: the generator shifts out its seed first, then its feedback bits."""
    c_point, d_point = TRAINING_POINTS[bit_rate]
    state = TRAINING_SEED
    symbols = []
    for _ in range(SEGMENT_3_SYMBOLS):
        bit = (state >> 6) & 1
        state = ((state << 1) | (((state >> 6) ^ (state >> 5)) & 1)) & 0x7F
        symbols.append(d_point if bit else c_point)
    return np.array(symbols, dtype=np.complex128)


def constellation(bit_rate: int) -> list[tuple[complex, int, int]]:
    """(point, phase in 45° steps, amplitude bit) for every point of the rate."""
    points = []
    for phase in range(8):
        angle = phase * math.pi / 4
        rings = (3.0, 5.0) if phase % 2 == 0 else (math.sqrt(2), 3 * math.sqrt(2))
        for q1, radius in enumerate(rings):
            if bit_rate == 7200 and q1 == 1:
                continue
            points.append((cmath.rect(radius, angle), phase, q1))
    return points


class V29Receiver:
    """Audio in, descrambled data bits out, from the end of training to the carrier's end."""

    def __init__(self, bit_rate: int, reference_power: float = 0.0) -> None:
        if bit_rate not in TRAINING_POINTS:
            raise ValueError(f"V.29 runs at 9600 or 7200 bit/s, not {bit_rate}")
        self.bit_rate = bit_rate
        self._points = constellation(bit_rate)
        self._point_array = np.array([p for p, _, _ in self._points])
        self._core = PskReceiverCore(
            CARRIER_HZ,
            BAUD,
            training_sequence(bit_rate),
            search_symbols=(SEGMENT_2_SYMBOLS - 40, SEGMENT_2_SYMBOLS + 60),
            max_training_error=MAX_TRAINING_ERROR,
            reference_power=reference_power,
        )
        self._descrambler = v29_descrambler()
        self._previous_phase = 0  # C, the last training symbol's phase, is 0° or 135°
        self._first = True

    @property
    def carrier(self) -> bool:
        return self._core.carrier

    @property
    def carrier_ended(self) -> bool:
        return self._core.carrier_ended

    @property
    def trained(self) -> bool:
        return self._core.trained

    @property
    def training_failed(self) -> bool:
        return self._core.training_failed

    @property
    def training_error(self) -> float:
        return self._core.training_error

    def _decide(self, value: complex) -> tuple[complex, object]:
        index = int(np.argmin(np.abs(self._point_array - value)))
        point, phase, q1 = self._points[index]
        return point, (phase, q1)

    def process(self, samples: np.ndarray) -> list[int]:
        decisions = self._core.process(samples, self._decide)
        bits: list[int] = []
        descramble = self._descrambler.descramble
        for decision in decisions:
            phase, q1 = cast(tuple[int, int], decision)
            if self._first:
                # The symbol before data is the last training symbol, C (0°) or D (135°).
                self._previous_phase = int(self._core_last_training_phase())
                self._first = False
            change = (phase - self._previous_phase) % 8
            self._previous_phase = phase
            symbol_bits: tuple[int, ...] = PHASE_CHANGE_BITS[change]
            if self.bit_rate == 9600:
                symbol_bits = (q1, *symbol_bits)
            bits.extend(descramble(bit) for bit in symbol_bits)
        return bits

    def _core_last_training_phase(self) -> int:
        last = self._core.training[-1]
        return round(cmath.phase(last) / (math.pi / 4)) % 8
