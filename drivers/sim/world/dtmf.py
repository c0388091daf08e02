"""The world's own DTMF receiver: hears digits in what a chip sends (exchange, CID display).

Independent of the product's receiver by design. It takes any block length, cuts the
stream into 15 ms frames every 10 ms and measures the eight keypad frequencies of each
frame at once with a single matrix product (a bank of exact-frequency DFTs). A frame
votes for a key when one row and one column tone stand out: each above the level floor,
each well above the other tones of its group, twist within limits, and the pair carrying
most of the frame's power. A key is reported after three agreeing frames (≈ 35 ms of tone)
and released after two frames without it, so the usual 40 ms digits with 40 ms pauses
are separated while a dropout of one frame does not split a digit.
"""

from __future__ import annotations

import functools

import numpy as np

from drivers.frames import SAMPLE_RATE_HZ
from drivers.sim.world.levels import DBM0_MEAN_SQUARE
from drivers.sim.world.signals import DTMF_COLUMNS_HZ, DTMF_KEYS, DTMF_ROWS_HZ

FRAME_SAMPLES = 120  # 15 ms: main lobe wide enough for ±1.5 % frequency error
HOP_SAMPLES = 80  # 10 ms
MIN_TONE_DBM0 = -36.0  # weakest tone of a pair that is accepted
MAX_TWIST_DB = 8.0  # |high − low| level difference accepted
GROUP_MARGIN_DB = 6.0  # the chosen tone must beat the others of its group by this much
MIN_PAIR_SHARE = 0.55  # share of the frame's power the tone pair must carry
FRAMES_TO_ACCEPT = 3
FRAMES_TO_RELEASE = 2

_FREQUENCIES_HZ = np.array(DTMF_ROWS_HZ + DTMF_COLUMNS_HZ)
_BASIS = np.exp(-2j * np.pi * np.outer(np.arange(FRAME_SAMPLES), _FREQUENCIES_HZ) / SAMPLE_RATE_HZ)
_MIN_TONE_POWER = DBM0_MEAN_SQUARE * 10 ** (MIN_TONE_DBM0 / 10)
_SILENT_PEAK = np.sqrt(2 * _MIN_TONE_POWER)  # a block quieter than this holds no digit
_MARGIN = 10 ** (GROUP_MARGIN_DB / 10)
_TWIST = 10 ** (MAX_TWIST_DB / 10)
_POWER_SCALE = 2 / FRAME_SAMPLES**2  # |X|² of a frame's DFT → power of that sine


@functools.cache
def _frame_index(frame_count: int) -> np.ndarray:
    """Sample indices of `frame_count` overlapping frames (rows) in a buffer."""
    return np.arange(frame_count)[:, None] * HOP_SAMPLES + np.arange(FRAME_SAMPLES)


def frame_key(tone_power: list[float], frame_power: float) -> str | None:
    """The key one frame votes for, from the power at the 8 keypad frequencies."""
    rows, columns = tone_power[:4], tone_power[4:]
    row_power, column_power = max(rows), max(columns)
    if row_power < _MIN_TONE_POWER or column_power < _MIN_TONE_POWER:
        return None
    if row_power + column_power < MIN_PAIR_SHARE * frame_power:
        return None
    if column_power > _TWIST * row_power or row_power > _TWIST * column_power:
        return None
    if sorted(rows)[-2] * _MARGIN > row_power or sorted(columns)[-2] * _MARGIN > column_power:
        return None
    return DTMF_KEYS[rows.index(row_power)][columns.index(column_power)]


class DtmfDecoder:
    """Streaming DTMF receiver: `feed(samples)` returns the digits completed so far."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget any partial frame and digit in progress."""
        self._pending = np.zeros(0)
        self._candidate: str | None = None
        self._candidate_frames = 0
        self._current: str | None = None
        self._misses = 0

    @property
    def in_digit(self) -> bool:
        """True while a key is being held (reported, not yet released)."""
        return self._current is not None

    def feed(self, samples: np.ndarray) -> str:
        """Consume a block of int16 samples; return keys that started in it."""
        data = np.concatenate((self._pending, samples))
        frame_count = max(0, (len(data) - FRAME_SAMPLES) // HOP_SAMPLES + 1)
        self._pending = data[frame_count * HOP_SAMPLES :]
        if frame_count == 0:
            return ""
        if np.abs(data).max() < _SILENT_PEAK:
            keys: list[str | None] = [None] * frame_count
        else:
            frames = data[_frame_index(frame_count)]
            spectra = frames @ _BASIS
            power = (spectra.real**2 + spectra.imag**2) * _POWER_SCALE
            energy = np.einsum("ij,ij->i", frames, frames) / FRAME_SAMPLES
            keys = [frame_key(p, e) for p, e in zip(power.tolist(), energy.tolist(), strict=True)]
        return "".join(key for key in map(self._step, keys) if key)

    def _step(self, key: str | None) -> str | None:
        if key is not None and key == self._current:
            self._misses = 0
            return None
        if self._current is not None:
            self._misses += 1
            if self._misses < FRAMES_TO_RELEASE:
                return None
            self._current = None
        if key is None:
            self._candidate, self._candidate_frames = None, 0
            return None
        if key == self._candidate:
            self._candidate_frames += 1
        else:
            self._candidate, self._candidate_frames = key, 1
        if self._candidate_frames >= FRAMES_TO_ACCEPT:
            self._current, self._misses = key, 0
            self._candidate, self._candidate_frames = None, 0
            return key
        return None
