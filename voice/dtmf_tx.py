"""DTMF signal definition (ITU-T Q.23) and the generator.

The generator queues digits and produces int16 samples on demand, any number at a time, so
the engine can pull one 20 ms frame per tick while a whole number is being sent.
"""

from __future__ import annotations

import logging
from collections import deque

import numpy as np
from numpy.typing import NDArray

from voice.level import SAMPLE_RATE_HZ, dbm0_to_amplitude

log = logging.getLogger(__name__)

ROW_FREQUENCIES_HZ = (697.0, 770.0, 852.0, 941.0)  # low group
COLUMN_FREQUENCIES_HZ = (1209.0, 1336.0, 1477.0, 1633.0)  # high group
KEYPAD = ("123A", "456B", "789C", "*0#D")  # KEYPAD[row][column]
DIGITS = "0123456789*#ABCD"
PAUSE_CHARACTER = ","  # in a dial string: wait PAUSE_MS before the next digit

DEFAULT_ON_MS = 100
DEFAULT_OFF_MS = 100
DEFAULT_LEVEL_DBM0 = -6.0  # low-group tone; a typical telephone sends about −6 … −8 dBm0
DEFAULT_TWIST_DB = 2.0  # high group this much louder than the low group, as telephones do
PAUSE_MS = 1000
EDGE_RAMP_MS = 1.0  # raised-cosine edges keep key clicks out of the spectrum


def digit_frequencies(digit: str) -> tuple[float, float]:
    """(low, high) frequencies of a DTMF digit; raises ValueError for anything else."""
    key = digit.upper()
    for row, keys in enumerate(KEYPAD):
        column = keys.find(key)
        if len(key) == 1 and column >= 0:
            return ROW_FREQUENCIES_HZ[row], COLUMN_FREQUENCIES_HZ[column]
    raise ValueError(f"{digit!r} is not a DTMF digit; use 0-9, *, #, A-D")


class DtmfGenerator:
    """DTMF digits as int16 audio: `put("123")`, then `read(n)` until `done`.

    Each digit is `on_ms` of the two tones followed by `off_ms` of silence. `level_dbm0` is
    the low-group tone's level and `twist_db` how much louder the high-group tone is.
    A "," in the string is a pause of PAUSE_MS.
    """

    def __init__(
        self,
        on_ms: float = DEFAULT_ON_MS,
        off_ms: float = DEFAULT_OFF_MS,
        level_dbm0: float = DEFAULT_LEVEL_DBM0,
        twist_db: float = DEFAULT_TWIST_DB,
        sample_rate: int = SAMPLE_RATE_HZ,
    ) -> None:
        if on_ms <= 0 or off_ms < 0:
            raise ValueError(
                f"DTMF on time must be positive and off time not negative ({on_ms}/{off_ms} ms)"
            )
        low = dbm0_to_amplitude(level_dbm0)
        high = dbm0_to_amplitude(level_dbm0 + twist_db)
        if low + high > 32767:
            raise ValueError(
                f"DTMF at {level_dbm0} dBm0 with {twist_db} dB twist would clip; lower the level"
            )
        self.sample_rate = sample_rate
        self.on_samples = round(on_ms * sample_rate / 1000)
        self.off_samples = round(off_ms * sample_rate / 1000)
        self._amplitudes = (low, high)
        self._queue: deque[NDArray[np.int16]] = deque()
        self._offset = 0  # samples of the queue head already read

    def tone(self, digit: str, samples: int | None = None) -> NDArray[np.int16]:
        """One digit's tone burst (`on_ms` long unless `samples` is given), without the gap."""
        length = self.on_samples if samples is None else samples
        low_hz, high_hz = digit_frequencies(digit)
        t = np.arange(length) / self.sample_rate
        low, high = self._amplitudes
        burst = low * np.sin(2 * np.pi * low_hz * t) + high * np.sin(2 * np.pi * high_hz * t)
        ramp = min(length // 2, round(EDGE_RAMP_MS * self.sample_rate / 1000))
        if ramp:
            edge = 0.5 - 0.5 * np.cos(np.pi * (np.arange(ramp) + 0.5) / ramp)
            burst[:ramp] *= edge
            burst[length - ramp :] *= edge[::-1]
        return np.rint(burst).astype(np.int16)

    def signal(self, digits: str) -> NDArray[np.int16]:
        """The whole audio for a dial string: every digit's burst followed by its gap."""
        parts = [self._part(character) for character in digits]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16)

    def _part(self, character: str) -> NDArray[np.int16]:
        if character == PAUSE_CHARACTER:
            return np.zeros(round(PAUSE_MS * self.sample_rate / 1000), dtype=np.int16)
        gap = np.zeros(self.off_samples, dtype=np.int16)
        return np.concatenate((self.tone(character), gap))

    def put(self, digits: str) -> None:
        """Queue a dial string (validated first: nothing is queued if a character is invalid)."""
        parts = [self._part(character) for character in digits]
        self._queue.extend(parts)
        log.debug("queued DTMF %r", digits)

    @property
    def done(self) -> bool:
        """True when every queued digit has been read out."""
        return not self._queue

    @property
    def pending_samples(self) -> int:
        return sum(part.size for part in self._queue) - self._offset

    def read(self, samples: int) -> NDArray[np.int16]:
        """The next `samples` samples; silence once the queue is empty."""
        out = np.zeros(samples, dtype=np.int16)
        filled = 0
        while filled < samples and self._queue:
            head = self._queue[0]
            take = min(samples - filled, head.size - self._offset)
            out[filled : filled + take] = head[self._offset : self._offset + take]
            filled += take
            self._offset += take
            if self._offset == head.size:
                self._queue.popleft()
                self._offset = 0
        return out

    def clear(self) -> None:
        """Drop everything still queued (the call ended or the user hung up)."""
        self._queue.clear()
        self._offset = 0
