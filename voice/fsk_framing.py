"""Asynchronous (start/stop) character framing on top of `voice.fsk` soft decisions.

Caller-ID data is sent as 8-bit characters, least significant bit first, each between a
space start bit and a mark stop bit, with any amount of mark between characters. The framer
finds the mark-to-space edge of a start bit (to a fraction of a sample), samples the ten
bit centres from there and reports the character with the number of mark bits before it.

It has two modes. Hunting, it looks (vectorised, with no per-character work) for the first
start bit that follows at least `min_idle_bits` of unbroken mark: the start of a message
after its mark period, never a character of the alternating seizure or of noise. Once it
has found one it frames every character until told to `hunt()` again or the carrier drops.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

import numpy as np

DATA_BITS = 8
CHARACTER_BITS = 1 + DATA_BITS + 1  # start, data, stop

# One sample of neither mark nor space, without carrier: what skipped audio leaves behind.
# The framer only ever replaces its buffers, so these are shared and read-only.
_NO_DECISION = np.zeros(1)
_NO_CARRIER = np.zeros(1, dtype=bool)
_NO_DECISION.flags.writeable = False
_NO_CARRIER.flags.writeable = False


@dataclass(frozen=True)
class AsyncChar:
    """One received character."""

    value: int
    sample: float  # absolute sample position of the start bit's leading edge
    idle_bits: float  # mark bits between the previous character (or carrier up) and this one
    framing_error: bool  # the stop bit was space


@dataclass(frozen=True)
class CarrierDrop:
    """The carrier went away at `sample` (absolute) while characters were being framed."""

    sample: int


FramerEvent = AsyncChar | CarrierDrop


class AsyncFramer:
    """Soft decisions and carrier flags in, characters and carrier drops out."""

    def __init__(self, samples_per_bit: float, min_idle_bits: float) -> None:
        self.samples_per_bit = samples_per_bit
        self.min_idle_bits = min_idle_bits
        self._span = int(np.ceil((CHARACTER_BITS - 0.5) * samples_per_bit)) + 2
        self._bit_centres = (np.arange(CHARACTER_BITS) + 0.5) * samples_per_bit
        self._bit_centre_list: list[float] = self._bit_centres.tolist()
        self.reset()

    def reset(self) -> None:
        # One silent sample before the stream, so every sample has a predecessor.
        self._decision = np.zeros(1)
        self._carrier = np.zeros(1, dtype=bool)
        self._landmarks: tuple[list[int], list[int]] | None = None
        self._base = -1  # absolute index of _decision[0]
        self._pos = 0  # absolute index where the search for the next start edge resumes
        self._idle_from: float | None = None  # framing: where the current mark run began
        self._hunting = True
        self._run_start = 0  # hunting: absolute start of the mark run ending at _pos
        self._end = 0

    @property
    def hunting(self) -> bool:
        return self._hunting

    def hunt(self) -> None:
        """Stop framing every character; wait for the next long mark run instead."""
        if not self._hunting:
            self._hunting = True
            self._run_start = self._pos

    def skip(self, count: int) -> None:
        """Pass over `count` samples without carrier, unanalysed, while hunting.

        The same as pushing them with the carrier off: no character can start in them.
        """
        if not self._hunting:
            raise RuntimeError("the framer can skip audio only while hunting")
        self._end += count
        self._pos = self._run_start = self._end
        self._decision = _NO_DECISION
        self._carrier = _NO_CARRIER
        self._landmarks = None
        self._base = self._end - 1

    def push(self, decision: np.ndarray, carrier: np.ndarray) -> list[FramerEvent]:
        """Feed one block of demodulator output; return the events completed by it."""
        self._decision = np.concatenate((self._decision, decision))
        self._carrier = np.concatenate((self._carrier, carrier))
        self._landmarks = None
        self._end += decision.size
        events: list[FramerEvent] = []
        while self._hunt_step(events) if self._hunting else self._frame_step(events):
            pass
        keep_from = max(self._pos - 1, self._base)
        cut = keep_from - self._base
        if cut > 0:
            self._decision = self._decision[cut:]
            self._carrier = self._carrier[cut:]
            self._landmarks = None
            self._base = keep_from
        return events

    def _hunt_step(self, events: list[FramerEvent]) -> bool:
        rel = self._pos - self._base
        d = self._decision
        if rel >= d.size:
            return False
        # From the sample before `rel` on: index j here is buffer index rel − 1 + j.
        carrier = self._carrier[rel - 1 :]
        positive = d[rel - 1 :] > 0.0
        mark = positive & carrier
        breaks = np.flatnonzero(~mark)
        # The run of mark in force before this stretch, in the same indexing (may be < 0).
        earlier_start = self._run_start - self._base - (rel - 1)
        # Mark followed by a carried space: where a start bit may begin (at j + 1).
        edges = np.flatnonzero(mark[:-1] & ~positive[1:] & carrier[1:])
        if edges.size:
            before = np.searchsorted(breaks, edges)
            starts = np.where(before > 0, breaks[before - 1] + 1, earlier_start)
            starts = np.maximum(starts, earlier_start)
            long_enough = np.flatnonzero(
                edges + 1 - starts >= self.min_idle_bits * self.samples_per_bit
            )
        else:
            long_enough = edges
        offset = self._base + rel - 1  # absolute index of j = 0
        if long_enough.size == 0:
            if not mark[-1]:
                self._run_start = self._end
            elif breaks.size:
                self._run_start = max(int(breaks[-1]) + 1, earlier_start) + offset
            self._pos = self._end
            return False
        chosen = int(long_enough[0])
        run_start = int(starts[chosen]) + offset
        first = int(edges[chosen]) + 1 + offset
        start = self._find_start(first, first + 1)
        if start is None:
            # A glitch, not a start bit: the mark run ends here; look further on.
            self._pos = first + 1
            self._run_start = self._pos
            return True
        edge, ready = start
        if not ready:
            self._pos = first
            self._run_start = run_start
            return False
        self._idle_from = float(run_start)
        self._hunting = False
        self._read_character(edge, events)
        return True

    def _frame_step(self, events: list[FramerEvent]) -> bool:
        """Advance by one character, carrier drop or wait; False when more input is needed."""
        rel = self._pos - self._base
        if rel >= self._decision.size:
            return False
        gaps = self._buffer_landmarks()[1]
        next_gap = bisect_left(gaps, rel)
        dropped = next_gap < len(gaps)
        limit = (gaps[next_gap] if dropped else self._decision.size) - rel
        start = self._find_start(self._pos, self._pos + limit)
        if start is None:
            if dropped:
                self._pos += limit
                events.append(CarrierDrop(sample=self._pos))
                self._hunting = True
                self._run_start = self._pos
                return True
            self._pos = self._end
            return False
        edge, ready = start
        if not ready:
            self._pos = int(np.ceil(edge))
            return False
        self._read_character(edge, events)
        return True

    def _buffer_landmarks(self) -> tuple[list[int], list[int]]:
        """Buffer indices of every mark-to-space edge (the first space sample) and of every
        sample without carrier: found once per block, then looked up per character."""
        if self._landmarks is None:
            d = self._decision
            edges = np.flatnonzero((d[1:] <= 0.0) & (d[:-1] > 0.0)) + 1
            self._landmarks = (edges.tolist(), np.flatnonzero(~self._carrier).tolist())
        return self._landmarks

    def _find_start(self, lo: int, hi: int) -> tuple[float, bool] | None:
        """First mark-to-space edge at a sample in [lo, hi) (absolute) whose start-bit
        centre is still space.

        Returns the refined edge position (absolute) and whether the whole character is
        already buffered, or None if no edge qualifies.
        """
        d = self._decision
        lo_rel, hi_rel = lo - self._base, hi - self._base
        first = max(lo_rel, 1)
        if first >= hi_rel:
            return None
        edges = self._buffer_landmarks()[0]
        last = d.size - 1
        half_bit = 0.5 * self.samples_per_bit
        # Edges are few (usually the first one is the start bit): look at them one by one.
        for candidate in edges[bisect_left(edges, first) : bisect_left(edges, hi_rel)]:
            before, after = float(d[candidate - 1]), float(d[candidate])
            edge = candidate - 1 + before / (before - after)
            centre = edge + half_bit
            if centre < last and _interpolate(d, centre) > 0.0:
                continue  # the "start bit" is mark again by its centre: a glitch
            return edge + self._base, edge + self._span < d.size
        return None

    def _read_character(self, edge: float, events: list[FramerEvent]) -> None:
        spb = self.samples_per_bit
        start = edge - self._base
        lo = int(start + self._bit_centres[0])
        hi = int(start + self._bit_centres[-1]) + 2
        # Ten bit centres: plain floats read them faster than array operations would.
        decision = self._decision[lo:hi].tolist()
        carrier = self._carrier[lo:hi].tolist()
        values = []
        for offset in self._bit_centre_list:
            centre = start + offset
            below = int(centre)  # centres are never negative
            fraction = centre - below
            i = below - lo
            if not carrier[i] or (fraction > 0.0 and not carrier[i + 1]):
                # The carrier stops inside this character: let the carrier logic report it.
                self._pos = int(np.ceil(edge)) + 1
                return
            values.append(decision[i] + fraction * (decision[i + 1] - decision[i]))
        value = sum(1 << bit for bit in range(DATA_BITS) if values[1 + bit] > 0.0)
        idle_from = self._idle_from if self._idle_from is not None else edge
        events.append(
            AsyncChar(
                value=value,
                sample=edge,
                idle_bits=max(0.0, (edge - idle_from) / spb),
                framing_error=values[-1] <= 0.0,
            )
        )
        self._idle_from = edge + CHARACTER_BITS * spb
        self._pos = int(np.floor(self._base + start + self._bit_centres[-1])) + 1


def _interpolate(values: np.ndarray, position: float) -> float:
    """`values` linearly interpolated at a position inside it."""
    below = int(position)
    low = float(values[below])
    return low + (position - below) * (float(values[below + 1]) - low)
