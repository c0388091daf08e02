"""Where the blocks of audio a chip pulls or pushes sit on the world's sample timeline.

Every sample in the world has an absolute index, `round(virtual seconds × 8000)`. A chip
hands over one PCM block at a time: what it *captures* at time t (the world's source) is
the block that ended at t, covering [t − n, t); what it *plays* at time t (the world's sink)
is played from t on, covering [t, t + n). With that convention generators are evaluated by
absolute index (phase-continuous, sample-exact cadences, nothing lost when a chip stops
pulling for a while) and echo never needs samples that have not been sent yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from drivers.frames import SAMPLE_RATE_HZ

MAX_RUN_AHEAD_SAMPLES = SAMPLE_RATE_HZ  # blocks pulled faster than time may run 1 s ahead
# A block handed over this late still follows the previous one: the PCM device captured
# and played it in its own period and only handed it over late (a stalled engine catching
# up within the device buffer). At least the simulated device's capture buffer (200 ms).
LATE_BLOCK_BRIDGE_SAMPLES = SAMPLE_RATE_HZ // 4


def sample_index(seconds: float) -> int:
    """Absolute sample index of a virtual time."""
    return round(seconds * SAMPLE_RATE_HZ)


def sample_time(index: int) -> float:
    """Virtual time (s) of an absolute sample index."""
    return index / SAMPLE_RATE_HZ


class BlockCursor:
    """Places successive blocks of one direction on the timeline, contiguously.

    `playback=False` (capture): a block handed over at t ends at t. `playback=True`: it
    starts at t. Blocks that arrive on time follow each other exactly; a pause (the chip
    stopped exchanging audio for longer than a device buffer) resynchronises with the clock.
    """

    def __init__(self, *, playback: bool) -> None:
        self.playback = playback
        self.next_index: int | None = None

    def place(self, now_s: float, count: int) -> int:
        """Absolute index of the first sample of a block of `count` handed over at `now_s`."""
        nominal = sample_index(now_s) - (0 if self.playback else count)
        expected = self.next_index
        resync = expected is None or not (
            expected - MAX_RUN_AHEAD_SAMPLES <= nominal <= expected + LATE_BLOCK_BRIDGE_SAMPLES
        )
        start = nominal if resync or expected is None else expected
        self.next_index = start + count
        return start


@dataclass
class _Clip:
    start: int
    samples: np.ndarray  # float64

    @property
    def end(self) -> int:
        return self.start + len(self.samples)


@dataclass
class ClipMixer:
    """One-shot sample buffers scheduled at absolute indices, mixed into blocks on demand."""

    clips: list[_Clip] = field(default_factory=list)

    def add(self, start: int, samples: np.ndarray) -> None:
        if len(samples):
            self.clips.append(_Clip(start, np.asarray(samples, dtype=np.float64)))

    def clear(self) -> None:
        self.clips.clear()

    @property
    def end(self) -> int | None:
        """Index just after the last scheduled sample, or None when nothing is scheduled."""
        return max((clip.end for clip in self.clips), default=None)

    def mix_into(self, out: np.ndarray, start: int) -> None:
        """Add every clip overlapping [start, start + len(out)) and forget finished clips."""
        stop = start + len(out)
        keep: list[_Clip] = []
        for clip in self.clips:
            lo, hi = max(start, clip.start), min(stop, clip.end)
            if lo < hi:
                out[lo - start : hi - start] += clip.samples[lo - clip.start : hi - clip.start]
            if clip.end > stop:
                keep.append(clip)
        self.clips = keep

    def active_mask(self, start: int, count: int) -> np.ndarray:
        """True where any clip covers [start, start + count)."""
        mask = np.zeros(count, dtype=bool)
        for clip in self.clips:
            lo, hi = max(start, clip.start), min(start + count, clip.end)
            if lo < hi:
                mask[lo - start : hi - start] = True
        return mask


class Recording:
    """A rolling record of int16 audio indexed by absolute sample, with gaps as silence."""

    def __init__(self, seconds: float = 32.0) -> None:
        self.capacity = int(seconds * SAMPLE_RATE_HZ)
        self._ring = np.zeros(self.capacity, dtype=np.int16)
        self.end: int | None = None  # index just after the newest sample
        self.first: int | None = None  # oldest index ever written

    def _put(self, start: int, samples: np.ndarray) -> None:
        count = len(samples)
        if count >= self.capacity:
            samples, start, count = (
                samples[-self.capacity :],
                start + count - self.capacity,
                self.capacity,
            )
        head = start % self.capacity
        first_part = min(count, self.capacity - head)
        self._ring[head : head + first_part] = samples[:first_part]
        self._ring[: count - first_part] = samples[first_part:]

    def write(self, start: int, samples: np.ndarray) -> None:
        """Store a block at its absolute index; a gap since the last block becomes silence."""
        if self.end is None or self.first is None:
            self.first = start
        elif start > self.end:
            gap = min(start - self.end, self.capacity)
            self._put(start - gap, np.zeros(gap, dtype=np.int16))
        self._put(start, np.asarray(samples, dtype=np.int16))
        self.end = start + len(samples) if self.end is None else max(self.end, start + len(samples))

    @property
    def oldest(self) -> int | None:
        """Oldest index still held."""
        if self.end is None or self.first is None:
            return None
        return max(self.first, self.end - self.capacity)

    def read(self, start: int, stop: int) -> np.ndarray:
        """Samples in [start, stop), clipped to what is held."""
        oldest = self.oldest
        if oldest is None or self.end is None:
            return np.zeros(0, dtype=np.int16)
        start, stop = max(start, oldest), min(stop, self.end)
        if stop <= start:
            return np.zeros(0, dtype=np.int16)
        positions = np.arange(start, stop) % self.capacity
        return self._ring[positions].copy()
