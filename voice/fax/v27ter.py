"""V.27ter receiver (4800 and 2400 bit/s), 1800 Hz carrier, 1600 / 1200 symbols/s.

Differential PSK: at 4800 each symbol's phase change carries three bits (0° = 001, 45° =
000, 90° = 010, … the same table as V.29), at 2400 two bits in 90° steps. The equaliser is
fitted to training segment 4: 0°/180° steps chosen by the 1 + x⁻⁶ + x⁻⁷ scrambler running
on ones (start state 0x3C, the first of every three of its bits used).
"""

from __future__ import annotations

import cmath
import math
from typing import cast

import numpy as np

from voice.fax.psk_rx import PskReceiverCore
from voice.fax.scrambler import V27terDescrambler
from voice.fax.v29 import PHASE_CHANGE_BITS

CARRIER_HZ = 1800.0
BAUDS = {4800: 1600.0, 2400: 1200.0}
SEGMENT_3_SYMBOLS = 50
SEGMENT_4_SYMBOLS = 1074
TRAINING_SYMBOLS = 600  # the part of segment 4 fitted (enough, and cheaper than all of it)
TRAINING_SEED = 0x3C
MAX_TRAINING_ERROR = 0.25  # mean squared error on the unit circle
# 2400: phase change in 90° steps → two bits, first bit first.
DIBIT_PHASE_CHANGE = {0: (0, 0), 1: (0, 1), 2: (1, 1), 3: (1, 0)}


def training_sequence(symbols: int = TRAINING_SYMBOLS) -> np.ndarray:
    state = TRAINING_SEED
    phase = 0
    points = []
    for _ in range(symbols):
        chosen = []
        for _ in range(3):
            bit = 1 ^ ((state >> 5) & 1) ^ ((state >> 6) & 1)
            state = ((state << 1) | bit) & 0x7F
            chosen.append(bit)
        phase = (phase + 4 * chosen[0]) % 8
        points.append(cmath.rect(1.0, phase * math.pi / 4))
    return np.array(points, dtype=np.complex128)


class V27terReceiver:
    """Audio in, descrambled data bits out, from the end of training to the carrier's end."""

    def __init__(self, bit_rate: int, reference_power: float = 0.0) -> None:
        if bit_rate not in BAUDS:
            raise ValueError(f"V.27ter runs at 4800 or 2400 bit/s, not {bit_rate}")
        self.bit_rate = bit_rate
        steps = 8 if bit_rate == 4800 else 4
        self._step_angle = 2 * math.pi / steps
        self._points = np.array([cmath.rect(1.0, k * self._step_angle) for k in range(steps)])
        self._core = PskReceiverCore(
            CARRIER_HZ,
            BAUDS[bit_rate],
            training_sequence(),
            search_symbols=(10, SEGMENT_3_SYMBOLS + 40),
            max_training_error=MAX_TRAINING_ERROR,
            reference_power=reference_power,
        )
        self._descrambler = V27terDescrambler()
        self._previous: int | None = None
        last = self._core.training[-1]
        self._last_training_phase = round(cmath.phase(last) / self._step_angle) % steps

    carrier = property(lambda self: self._core.carrier)
    carrier_ended = property(lambda self: self._core.carrier_ended)
    trained = property(lambda self: self._core.trained)
    training_failed = property(lambda self: self._core.training_failed)
    training_error = property(lambda self: self._core.training_error)

    def _decide(self, value: complex) -> tuple[complex, object]:
        index = int(np.argmin(np.abs(self._points - value)))
        return complex(self._points[index]), index

    def process(self, samples: np.ndarray) -> list[int]:
        decisions = self._core.process(samples, self._decide)
        bits: list[int] = []
        steps = self._points.size
        for decision in decisions:
            index = cast(int, decision)
            previous = self._last_training_phase if self._previous is None else self._previous
            change = (index - previous) % steps
            self._previous = index
            symbol_bits = PHASE_CHANGE_BITS[change] if steps == 8 else DIBIT_PHASE_CHANGE[change]
            bits.extend(self._descrambler.descramble(bit) for bit in symbol_bits)
        return bits
