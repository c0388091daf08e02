"""V.17 receiver (7200, 9600, 12000, 14400 bit/s), 1800 Hz carrier, 2400 symbols/s.

Each symbol carries m = 3…6 scrambled bits Q1…Qm. Q1 and Q2 are added (mod 4) to the
previous symbol's Y2Y1, so a 90° rotation of the line does not change them; an 8-state
convolutional code over Y2Y1 adds the redundant bit Y0, and the point is chosen by the label
Qm…Q3 Y2 Y1 Y0 from a 16/32/64/128-point map. The receiver undoes this with a Viterbi
decoder over the 8 subsets (labels mod 8).

Training: segment 1 alternates A and B; segment 2 is C/D/B/A chosen by pairs of bits from the
data scrambler running on ones from 0x2ECDD5; the long train (TCF, first burst) then has the
64-symbol bridge and both end with 48 symbols of scrambled ones through the trellis coder.
The short train (pages after a TCF) keeps only 38 symbols of segment 2, so its equaliser
starts from the long train's and is refitted to the last of segment 1, segment 2 and 4.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import numpy as np

from voice.fax.psk_rx import PskReceiverCore
from voice.fax.scrambler import Descrambler

CARRIER_HZ = 1800.0
BAUD = 2400.0
SEGMENT_1_SYMBOLS = 256
SEGMENT_2_SYMBOLS = 2976
SHORT_SEGMENT_2_SYMBOLS = 38
BRIDGE_SYMBOLS = 64
BRIDGE_WORD = 0x8880
SEGMENT_4_SYMBOLS = 48
TRAINING_SEED = 0x2ECDD5
LONG_FIT_SYMBOLS = 400  # the part of segment 2 the equaliser is first fitted to
SHORT_FIT_SEGMENT_1 = 100  # symbols of segment 1 included in the short-train fit
MAX_TRAINING_ERROR = 1.5  # mean squared error on the ±6 scale of A, B, C, D
TRACEBACK_SYMBOLS = 16
SETTLING_SYMBOLS = 24  # of the long train's segment 4, decoded but not passed on
BITS_PER_SYMBOL = {7200: 3, 9600: 4, 12000: 5, 14400: 6}
# The differential state after training: the long train leaves 1, the short one 0.
DIFF_AFTER_LONG = 1
DIFF_AFTER_SHORT = 0

TRAINING_POINTS = (complex(-6, -2), complex(2, -6), complex(6, 2), complex(-2, 6))  # A B C D
SEGMENT_2_DIBIT_POINT = (2, 3, 1, 0)  # dibit 00, 01, 10, 11 → C, D, B, A
BRIDGE_DIBIT_STEP = (1, 0, 2, 3)  # dibit → quarter turns A→B→C→D

# V.17's signal-space maps: the point of each label (Y0 the least significant bit). The
# block test decodes spandsp's transmitter with them at every rate.
# fmt: off
MAPS: dict[int, tuple[tuple[int, int], ...]] = {
    14400: (
        (-8, -3), (9, 2), (2, -9), (-3, 8), (8, 3), (-9, -2), (-2, 9), (3, -8), (-8, 1), (9,
        -2), (-2, -9), (1, 8), (8, -1), (-9, 2), (2, 9), (-1, -8), (-4, -3), (5, 2), (2, -5),
        (-3, 4), (4, 3), (-5, -2), (-2, 5), (3, -4), (-4, 1), (5, -2), (-2, -5), (1, 4), (4,
        -1), (-5, 2), (2, 5), (-1, -4), (4, -3), (-3, 2), (2, 3), (-3, -4), (-4, 3), (3, -2),
        (-2, -3), (3, 4), (4, 1), (-3, -2), (-2, 3), (1, -4), (-4, -1), (3, 2), (2, -3), (-1,
        4), (0, -3), (1, 2), (2, -1), (-3, 0), (0, 3), (-1, -2), (-2, 1), (3, 0), (0, 1), (1,
        -2), (-2, -1), (1, 0), (0, -1), (-1, 2), (2, 1), (-1, 0), (8, -3), (-7, 2), (2, 7), (-3,
        -8), (-8, 3), (7, -2), (-2, -7), (3, 8), (8, 1), (-7, -2), (-2, 7), (1, -8), (-8, -1),
        (7, 2), (2, -7), (-1, 8), (-4, -7), (5, 6), (6, -5), (-7, 4), (4, 7), (-5, -6), (-6, 5),
        (7, -4), (-4, 5), (5, -6), (-6, -5), (5, 4), (4, -5), (-5, 6), (6, 5), (-5, -4), (4,
        -7), (-3, 6), (6, 3), (-7, -4), (-4, 7), (3, -6), (-6, -3), (7, 4), (4, 5), (-3, -6),
        (-6, 3), (5, -4), (-4, -5), (3, 6), (6, -3), (-5, 4), (0, -7), (1, 6), (6, -1), (-7, 0),
        (0, 7), (-1, -6), (-6, 1), (7, 0), (0, 5), (1, -6), (-6, -1), (5, 0), (0, -5), (-1, 6),
        (6, 1), (-5, 0),
    ),
    12000: (
        (7, 1), (-5, -1), (-1, 5), (1, -7), (-7, -1), (5, 1), (1, -5), (-1, 7), (3, -3), (-1,
        3), (3, 1), (-3, -3), (-3, 3), (1, -3), (-3, -1), (3, 3), (7, -7), (-5, 7), (7, 5), (-7,
        -7), (-7, 7), (5, -7), (-7, -5), (7, 7), (-1, -7), (3, 7), (7, -3), (-7, 1), (1, 7),
        (-3, -7), (-7, 3), (7, -1), (3, 5), (-1, -5), (-5, 1), (5, -3), (-3, -5), (1, 5), (5,
        -1), (-5, 3), (-1, 1), (3, -1), (-1, -3), (1, 1), (1, -1), (-3, 1), (1, 3), (-1, -1),
        (-5, 5), (7, -5), (-5, -7), (5, 5), (5, -5), (-7, 5), (5, 7), (-5, -5), (-5, -3), (7,
        3), (3, -7), (-3, 5), (5, 3), (-7, -3), (-3, 7), (3, -5),
    ),
    9600: (
        (-8, 2), (-6, -4), (-4, 6), (2, 8), (8, -2), (6, 4), (4, -6), (-2, -8), (0, 2), (-6, 4),
        (4, 6), (2, 0), (0, -2), (6, -4), (-4, -6), (-2, 0), (0, -6), (2, -4), (-4, -2), (-6,
        0), (0, 6), (-2, 4), (4, 2), (6, 0), (8, 2), (2, 4), (4, -2), (2, -8), (-8, -2), (-2,
        -4), (-4, 2), (-2, 8),
    ),
    7200: (
        (6, -6), (-2, 6), (6, 2), (-6, -6), (-6, 6), (2, -6), (-6, -2), (6, 6), (-2, 2), (6,
        -2), (-2, -6), (2, 2), (2, -2), (-6, 2), (2, 6), (-2, -2),
    ),
}
# fmt: on


def next_trellis_state(state: int, diff: int) -> int:
    """The 8-state systematic feedback coder: state bits (W1 W2 W3 as bits 0–2) and input
    Y1 Y2; the redundant bit Y0 of the next symbol is the new bit 2, the old bit 0."""
    s0, s1, s2 = state & 1, (state >> 1) & 1, (state >> 2) & 1
    y1, y2 = diff & 1, (diff >> 1) & 1
    n0 = s1 ^ y2 ^ (s0 & y1)
    n1 = s2 ^ y1 ^ y2 ^ (s0 & s1) ^ (s0 & y2)
    return n0 | (n1 << 1) | (s0 << 2)


class TrainingScrambler:
    """1 + x⁻¹⁸ + x⁻²³ as the sender runs it; its register (newest bit in bit 0) is also what
    the receiver's descrambler holds once it has seen the same bits."""

    def __init__(self) -> None:
        self.register = TRAINING_SEED

    def scramble(self, bit: int) -> int:
        out = (bit ^ (self.register >> 17) ^ (self.register >> 22)) & 1
        self.register = ((self.register << 1) | out) & 0x7FFFFF
        return out


class TrainingPlan:
    """The symbols a V.17 sender trains with, and the coder state it starts data in."""

    def __init__(self, bit_rate: int, short: bool) -> None:
        scrambler = TrainingScrambler()
        self.segment_1 = [TRAINING_POINTS[k % 2] for k in range(SEGMENT_1_SYMBOLS)]
        points = []
        quarter = 0
        for _ in range(SHORT_SEGMENT_2_SYMBOLS if short else SEGMENT_2_SYMBOLS):
            dibit = scrambler.scramble(1) << 1
            dibit |= scrambler.scramble(1)
            quarter = SEGMENT_2_DIBIT_POINT[dibit]
            points.append(TRAINING_POINTS[quarter])
        self.segment_2 = points
        bridge = []
        if not short:
            for k in range(BRIDGE_SYMBOLS):
                shift = (k & 7) << 1
                dibit = scrambler.scramble((BRIDGE_WORD >> shift) & 1) << 1
                dibit |= scrambler.scramble((BRIDGE_WORD >> (shift + 1)) & 1)
                quarter = (quarter + BRIDGE_DIBIT_STEP[dibit]) & 3
                bridge.append(TRAINING_POINTS[quarter])
        self.bridge = bridge
        diff = DIFF_AFTER_SHORT if short else DIFF_AFTER_LONG
        state = 0
        bits = BITS_PER_SYMBOL[bit_rate]
        segment_4 = []
        for _ in range(SEGMENT_4_SYMBOLS):
            q = sum(scrambler.scramble(1) << i for i in range(bits))
            diff = (diff + q) & 3
            state = next_trellis_state(state, diff)
            label = ((q << 1) & 0x78) | (diff << 1) | ((state >> 2) & 1)
            segment_4.append(complex(*MAPS[bit_rate][label]))
        self.segment_4 = segment_4
        self.diff = diff
        self.trellis_state = state
        self.scrambler_register = scrambler.register


class TrellisDecoder:
    """Viterbi decoding of the V.17 trellis with a fixed traceback, by register exchange."""

    def __init__(self, bit_rate: int, start_state: int | None) -> None:
        """`start_state` is the coder's state before the first symbol, None if unknown."""
        points = np.array([complex(*p) for p in MAPS[bit_rate]])
        self._by_subset = points.reshape(-1, 8)  # [k, subset] = point of label 8k + subset
        previous_state = np.zeros((8, 4), dtype=np.int64)
        subset = np.zeros((8, 4), dtype=np.int64)
        filled = [0] * 8
        for state in range(8):
            for diff in range(4):
                following = next_trellis_state(state, diff)
                previous_state[following, filled[following]] = state
                subset[following, filled[following]] = (diff << 1) | (state & 1)
                filled[following] += 1
        self._previous_state = previous_state
        self._subset = subset
        self._metrics = np.zeros(8)
        if start_state is not None:
            self._metrics += 1e6
            self._metrics[start_state] = 0.0
        self._paths = np.zeros((8, 0), dtype=np.int64)

    def push(self, value: complex) -> int | None:
        """One equalised symbol in; the label decided TRACEBACK_SYMBOLS earlier out."""
        distances = np.abs(self._by_subset - value) ** 2
        nearest = np.argmin(distances, axis=0)
        branch = distances[nearest, np.arange(8)]
        labels = nearest * 8 + np.arange(8)
        candidates = self._metrics[self._previous_state] + branch[self._subset]
        choice = np.argmin(candidates, axis=1)
        rows = np.arange(8)
        metrics = candidates[rows, choice]
        self._metrics = metrics - metrics.min()
        chosen_subset = self._subset[rows, choice]
        paths = np.concatenate(
            (self._paths[self._previous_state[rows, choice]], labels[chosen_subset][:, None]),
            axis=1,
        )
        if paths.shape[1] <= TRACEBACK_SYMBOLS:
            self._paths = paths
            return None
        self._paths = paths[:, 1:]
        return int(paths[int(np.argmin(self._metrics)), 0])

    def flush(self) -> list[int]:
        """The labels still held, along the best path, at the carrier's end."""
        best = self._paths[int(np.argmin(self._metrics))]
        self._paths = np.zeros((8, 0), dtype=np.int64)
        return [int(label) for label in best]


class V17Receiver:
    """Audio in, descrambled data bits out, from the end of training to the carrier's end.

    `after` is the receiver of the long train this burst follows; given it, the burst is
    expected to start with the short train."""

    def __init__(
        self, bit_rate: int, reference_power: float = 0.0, after: V17Receiver | None = None
    ) -> None:
        if bit_rate not in BITS_PER_SYMBOL:
            raise ValueError(f"V.17 runs at 7200, 9600, 12000 or 14400 bit/s, not {bit_rate}")
        self.bit_rate = bit_rate
        self._bits = BITS_PER_SYMBOL[bit_rate]
        self.short_train = after is not None and after.trained
        plan = TrainingPlan(bit_rate, self.short_train)
        if self.short_train:
            assert after is not None
            fitted = plan.segment_1[-SHORT_FIT_SEGMENT_1:] + plan.segment_2 + plan.segment_4
            self._still_known: list[complex] = []
            first = SEGMENT_1_SYMBOLS - SHORT_FIT_SEGMENT_1
            prior = after.equaliser_taps
        else:
            fitted = plan.segment_2[:LONG_FIT_SYMBOLS]
            # Segment 4 is decoded like data (senders differ in the differential state they
            # start it from); its first bits are dropped while the decoders fall into step.
            self._still_known = plan.segment_2[LONG_FIT_SYMBOLS:] + plan.bridge
            first = SEGMENT_1_SYMBOLS
            prior = None
        self._core = PskReceiverCore(
            CARRIER_HZ,
            BAUD,
            np.array(fitted, dtype=np.complex128),
            search_symbols=(first - 40, first + 60),
            max_training_error=MAX_TRAINING_ERROR,
            reference_power=reference_power,
            prior_taps=prior,
        )
        self._points = np.array([complex(*p) for p in MAPS[bit_rate]])
        if self.short_train:
            self._trellis = TrellisDecoder(bit_rate, plan.trellis_state)
            self._diff = plan.diff
            self._descrambler = Descrambler(18, 23, plan.scrambler_register)
            self._settling_bits = 0
        else:
            self._trellis = TrellisDecoder(bit_rate, None)
            self._diff = 0
            self._descrambler = Descrambler(18, 23)
            self._settling_bits = SETTLING_SYMBOLS * self._bits
        self._known_index = 0
        self._flushed = False

    carrier = property(lambda self: self._core.carrier)
    carrier_ended = property(lambda self: self._core.carrier_ended)
    trained = property(lambda self: self._core.trained)
    training_failed = property(lambda self: self._core.training_failed)
    training_error = property(lambda self: self._core.training_error)

    @property
    def equaliser_taps(self) -> np.ndarray:
        return self._core.taps

    def _decide(self, value: complex) -> tuple[complex, object]:
        if self._known_index < len(self._still_known):
            self._known_index += 1
            return self._still_known[self._known_index - 1], None
        index = int(np.argmin(np.abs(self._points - value)))
        return complex(self._points[index]), value

    def process(self, samples: np.ndarray) -> list[int]:
        values = [v for v in self._core.process(samples, self._decide) if v is not None]
        labels = []
        for value in values:
            label = self._trellis.push(cast(complex, value))
            if label is not None:
                labels.append(label)
        if self._core.carrier_ended and not self._flushed:
            self._flushed = True
            labels += self._trellis.flush()
        bits = self._labels_to_bits(labels)
        if self._settling_bits:
            dropped = min(self._settling_bits, len(bits))
            self._settling_bits -= dropped
            bits = bits[dropped:]
        return bits

    def _labels_to_bits(self, labels: Sequence[int]) -> list[int]:
        bits: list[int] = []
        descramble = self._descrambler.descramble
        for label in labels:
            diff = (label >> 1) & 3
            q = ((diff - self._diff) & 3) | ((label >> 1) & ~3)
            self._diff = diff
            bits.extend(descramble((q >> i) & 1) for i in range(self._bits))
        return bits
