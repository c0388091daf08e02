"""1200 bit/s FSK as caller ID uses it: Bell 202 (1200/2200 Hz) and V.23 (1300/2100 Hz).

The modulator is phase-continuous and vectorised. The demodulator is the world's own
design: it mixes the signal down around 1700 Hz (the centre of both modems), low-pass
filters the complex baseband and takes the phase step between samples as the
instantaneous frequency. Mark (binary 1) is the lower tone in both modems, so the sign of
that frequency is the bit, and its average magnitude (500 Hz vs 400 Hz) tells the modems
apart. Asynchronous characters (start bit, 8 data bits LSB first, stop bit) are then read
by finding each start-bit edge and sampling the middle of every bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from drivers.frames import SAMPLE_RATE_HZ
from drivers.sim.world.levels import sine_peak

BAUD = 1200
SAMPLES_PER_BIT = SAMPLE_RATE_HZ / BAUD
CENTRE_HZ = 1700.0
LOWPASS_TAPS = 31
LOWPASS_CUTOFF_HZ = 1100.0


def _lowpass() -> np.ndarray:
    """Windowed-sinc low-pass FIR (Hamming), unity gain at DC."""
    n = np.arange(LOWPASS_TAPS) - (LOWPASS_TAPS - 1) / 2
    taps = np.sinc(2 * LOWPASS_CUTOFF_HZ / SAMPLE_RATE_HZ * n) * np.hamming(LOWPASS_TAPS)
    return taps / taps.sum()


_LOWPASS = _lowpass()
_SMOOTHING = np.ones(3) / 3
MIN_MARK_RUN_BITS = 20  # marks that must precede the first character of a message


@dataclass(frozen=True)
class FskModem:
    name: str
    mark_hz: float
    space_hz: float

    @property
    def deviation_hz(self) -> float:
        return (self.space_hz - self.mark_hz) / 2


BELL202 = FskModem("bell202", 1200.0, 2200.0)
V23 = FskModem("v23", 1300.0, 2100.0)


def async_bits(data: bytes, stop_bits: int = 1) -> np.ndarray:
    """Characters framed for an asynchronous line: 0, 8 data bits LSB first, stop bits."""
    frames = []
    for byte in data:
        frames.append([0, *((byte >> bit) & 1 for bit in range(8)), *([1] * stop_bits)])
    return np.array(frames, dtype=np.int8).reshape(-1)


def modulate(bits: np.ndarray, modem: FskModem, level_dbm0: float) -> np.ndarray:
    """Phase-continuous FSK (float64) for `bits` at 1200 bit/s."""
    count = int(np.ceil(len(bits) * SAMPLES_PER_BIT))
    bit_of_sample = np.minimum((np.arange(count) * BAUD) // SAMPLE_RATE_HZ, len(bits) - 1)
    frequency = np.where(np.asarray(bits)[bit_of_sample] == 1, modem.mark_hz, modem.space_hz)
    phase = 2 * np.pi * np.cumsum(frequency) / SAMPLE_RATE_HZ
    return sine_peak(level_dbm0) * np.sin(phase)


def instantaneous_frequency(samples: np.ndarray) -> np.ndarray:
    """Frequency offset from 1700 Hz (Hz) at every sample, from the baseband phase step."""
    n = np.arange(len(samples))
    baseband = np.asarray(samples, dtype=np.float64) * np.exp(
        -2j * np.pi * CENTRE_HZ * n / SAMPLE_RATE_HZ
    )
    baseband = np.convolve(baseband, _LOWPASS)[: len(baseband)]
    step = np.angle(baseband[1:] * np.conj(baseband[:-1]))
    offset = np.concatenate(([0.0], step)) * SAMPLE_RATE_HZ / (2 * np.pi)
    return np.convolve(offset, _SMOOTHING, mode="same")


@dataclass(frozen=True)
class FskBurst:
    """What a burst of FSK carried: the characters read and the modem it sounded like."""

    characters: list[bytes]  # one entry per run of characters after a mark run
    modem: FskModem


@dataclass(frozen=True)
class CharacterRun:
    """Characters read after one conditioning mark run (sample positions of that run)."""

    mark_start: int
    mark_stop: int
    characters: bytes


def read_async_characters(marks: np.ndarray) -> list[CharacterRun]:
    """Read asynchronous characters from a per-sample mark/space decision.

    Characters are only taken after at least MIN_MARK_RUN_BITS of continuous marks (the
    receiver conditioning after the channel seizure), which keeps the alternating seizure
    and noise out of the result. A framing error ends the run.
    """
    runs: list[CharacterRun] = []
    size = len(marks)
    min_run = int(MIN_MARK_RUN_BITS * SAMPLES_PER_BIT)
    space = ~marks
    position = 0
    while position < size:
        # Find the next run of marks long enough to be a conditioning signal.
        edges = np.flatnonzero(np.diff(np.concatenate(([False], marks[position:], [False]))))
        starts, stops = edges[0::2], edges[1::2]
        long_enough = np.flatnonzero(stops - starts >= min_run)
        if len(long_enough) == 0:
            break
        mark_start = position + int(starts[long_enough[0]])
        position += int(stops[long_enough[0]])  # first space after the run: a start bit
        mark_stop = position
        characters = bytearray()
        while position + 10 * SAMPLES_PER_BIT <= size and space[position]:
            centres = position + (np.arange(10) + 0.5) * SAMPLES_PER_BIT
            bits = marks[np.minimum(centres.astype(np.int64), size - 1)]
            if bits[0] or not bits[9]:
                break
            characters.append(int(np.dot(bits[1:9].astype(np.int64), 1 << np.arange(8))))
            # Resynchronise on the next start bit (stop bits may be followed by more marks).
            resume = int(position + 9.5 * SAMPLES_PER_BIT)
            following = np.flatnonzero(space[resume : resume + int(20 * SAMPLES_PER_BIT)])
            if len(following) == 0 or following[0] > 11 * SAMPLES_PER_BIT:
                position = resume
                break
            position = resume + int(following[0])
        if characters:
            runs.append(CharacterRun(mark_start, mark_stop, bytes(characters)))
    return runs


def demodulate(samples: np.ndarray) -> FskBurst | None:
    """Characters carried by a burst of caller-ID FSK, or None when it holds no FSK."""
    if len(samples) < 40 * SAMPLES_PER_BIT:
        return None
    offset = instantaneous_frequency(samples)
    runs = read_async_characters(offset < 0)
    if not runs:
        return None
    # The steady marks before the first character sit exactly at the mark frequency:
    # Bell 202 marks are 500 Hz below the centre, V.23 marks 400 Hz.
    first = runs[0]
    steady = offset[first.mark_start + 8 : first.mark_stop - 8]
    deviation = -float(np.median(steady)) if len(steady) else 0.0
    modem = BELL202 if deviation > (BELL202.deviation_hz + V23.deviation_hz) / 2 else V23
    return FskBurst([run.characters for run in runs], modem)
