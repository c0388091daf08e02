"""Call-progress tone generator driven by tone specs (country profile data).

The generator is a clock-driven source: `read(n)` returns the next n samples, so frames
join seamlessly whatever their size. Every sine's phase follows the absolute sample number
(phase-continuous across calls and across cadence gaps), and the on/off gate follows the
cadence to the sample: lead-in once, then the cadence forever. Each on-segment opens and
closes with a short raised-cosine ramp inside its own duration, to keep clicks off the line.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from voice.level import SAMPLE_RATE_HZ, dbm0_to_amplitude
from voice.mixer import saturate
from voice.tones.spec import ToneSpecLike, check

RAMP_MS = 2.0


def _edges(durations_ms: tuple[int, ...], sample_rate: int) -> NDArray[np.int64]:
    """Cumulative segment boundaries in samples, starting at 0."""
    samples = [round(ms * sample_rate / 1000) for ms in durations_ms]
    return np.concatenate(([0], np.cumsum(samples))).astype(np.int64)


class ToneGenerator:
    """Produces a tone spec as int16 audio, `read(n)` samples at a time.

    Each frequency plays at the spec's level; a sum that would exceed full scale (such as
    the four loud components of an off-hook warning) saturates rather than wraps.
    """

    def __init__(
        self, spec: ToneSpecLike, sample_rate: int = SAMPLE_RATE_HZ, ramp_ms: float = RAMP_MS
    ) -> None:
        check(spec)
        self.spec = spec
        self.sample_rate = sample_rate
        self._frequencies = np.array([float(f) for f in spec.frequencies])
        self._amplitude = dbm0_to_amplitude(spec.level_dbm0)
        self._lead = _edges(tuple(spec.lead_in_ms), sample_rate)
        self._cadence = _edges(tuple(spec.cadence_ms), sample_rate)
        self._ramp = max(1, round(ramp_ms * sample_rate / 1000))
        self._position = 0
        # Whole-hertz tones repeat within one second: keep one period of their sum.
        self._period: NDArray[np.float64] | None = None
        self._period16: NDArray[np.int16] | None = None
        if all(float(f).is_integer() for f in self._frequencies):
            length = math.lcm(
                *(sample_rate // math.gcd(int(f), sample_rate) for f in self._frequencies)
            )
            self._period = self._compute_sines(np.arange(length, dtype=np.int64))
            self._period16 = saturate(self._period)

    @property
    def position(self) -> int:
        """Samples produced so far (the tone's own clock)."""
        return self._position

    def reset(self) -> None:
        """Start again from the beginning of the lead-in."""
        self._position = 0

    def read(self, samples: int) -> NDArray[np.int16]:
        """The next `samples` samples of the tone."""
        first = self._position
        self._position += samples
        # Most frames lie inside one segment, away from its ramps: a constant gate.
        on, start, end = self._segment_at(first)
        if first + samples <= end:
            if not on:
                return np.zeros(samples, dtype=np.int16)
            if first - start >= self._ramp and end - (first + samples) >= self._ramp:
                return self._steady(first, samples)
        t = first + np.arange(samples, dtype=np.int64)
        return saturate(self._gate(t) * self._sines(t))

    def _segment_at(self, t: int) -> tuple[bool, int, int]:
        """(on, first sample, sample after the last) of the segment holding sample `t`."""
        lead_total = int(self._lead[-1])
        if t < lead_total:
            index = int(np.searchsorted(self._lead, t, side="right")) - 1
            return index % 2 == 0, int(self._lead[index]), int(self._lead[index + 1])
        if self._cadence.size < 2:
            return True, lead_total, np.iinfo(np.int64).max
        cycle = int(self._cadence[-1])
        base = lead_total + (t - lead_total) // cycle * cycle
        index = int(np.searchsorted(self._cadence, t - base, side="right")) - 1
        return (
            index % 2 == 0,
            base + int(self._cadence[index]),
            base + int(self._cadence[index + 1]),
        )

    def _steady(self, first: int, samples: int) -> NDArray[np.int16]:
        """The ungated tone from sample `first`, straight from the stored period if any."""
        if self._period16 is None:
            return saturate(self._compute_sines(first + np.arange(samples, dtype=np.int64)))
        length = self._period16.size
        start = first % length
        if start + samples <= length:
            return self._period16[start : start + samples].copy()
        return self._period16[(start + np.arange(samples)) % length]

    def _sines(self, t: NDArray[np.int64]) -> NDArray[np.float64]:
        if self._period is not None:
            return self._period[t % self._period.size]
        return self._compute_sines(t)

    def _compute_sines(self, t: NDArray[np.int64]) -> NDArray[np.float64]:
        # Reduce f·t modulo the sample rate first so the phase stays exact for hours.
        cycles = np.mod(self._frequencies[:, None] * t[None, :], self.sample_rate)
        return self._amplitude * np.sin(2 * np.pi * cycles / self.sample_rate).sum(axis=0)

    def _gate(self, t: NDArray[np.int64]) -> NDArray[np.float64]:
        """Envelope (0…1) of the cadence at absolute samples `t`."""
        lead_total = int(self._lead[-1])
        gate = np.ones(t.size)
        start = np.zeros(t.size, dtype=np.int64)  # on-segment start, where on
        end = np.full(t.size, np.iinfo(np.int64).max)  # on-segment end, where on
        in_lead = t < lead_total
        if in_lead.any():
            self._segment(t[in_lead], self._lead, 0, gate, start, end, in_lead)
        after = ~in_lead
        if after.any() and self._cadence.size > 1:
            cycle = int(self._cadence[-1])
            local = t[after] - lead_total
            base = lead_total + local - local % cycle
            self._segment(local % cycle, self._cadence, base, gate, start, end, after)
        elif after.any():
            start[after] = lead_total
        # Raised-cosine ramps inside each on-segment.
        distance = np.minimum(t - start, end - 1 - t).astype(np.float64)
        ramp = np.where(
            distance < self._ramp, 0.5 - 0.5 * np.cos(np.pi * (distance + 0.5) / self._ramp), 1.0
        )
        return gate * ramp

    @staticmethod
    def _segment(
        local: NDArray[np.int64],
        edges: NDArray[np.int64],
        base: NDArray[np.int64] | int,
        gate: NDArray[np.float64],
        start: NDArray[np.int64],
        end: NDArray[np.int64],
        where: NDArray[np.bool_],
    ) -> None:
        index = np.searchsorted(edges, local, side="right") - 1
        gate[where] = (index % 2 == 0).astype(np.float64)
        start[where] = base + edges[index]
        end[where] = base + edges[index + 1]
