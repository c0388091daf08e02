"""A bank of narrow-band tone analysers shared by the DTMF, call-progress and fax-tone detectors.

Every `tick_samples` the bank takes the last `window_samples` of the signal, weights them
with a Hann window and correlates them with a complex oscillator at each analysed frequency
(a sliding, windowed single-bin DFT). For each frequency and tick this gives `z`:

- a sine of peak amplitude A at the analysed frequency gives |z| = A/2; a sine off by
  Δf gives A/2 · gain(Δf) (`gain` is the window's response, used to undo that loss),
- the phase of z turns by 2π·Δf·tick/fs from one tick to the next, so consecutive ticks
  measure the frequency error: this is what lets a detector accept a tone 1.5 % off and
  reject one 3.5 % off, which no practical bandwidth alone can,
- the power of the same windowed signal within `reference_band_hz` (from its spectrum,
  zero-padded to a power of two) is the reference a detector compares tone power with; the
  band can leave out dial tone. It is the whole power less the few bins outside the band,
  one matrix product (a transform of every bin costs more), and only for the ticks a
  detector asks for.

The window has no negative weights, so envelopes rise and fall without ringing, and a tone's
edge crosses half amplitude exactly half a window after it reaches the analyser.
Oscillators are indexed by absolute sample number and the bank keeps the last window of
signal between calls, so the ticks do not depend on how the signal is split into blocks.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np
from numpy.typing import NDArray

from voice.level import SAMPLE_RATE_HZ

GAIN_TABLE_STEP_HZ = 0.25
GAIN_TABLE_SPAN_HZ = 500.0  # beyond this every window in use has negligible response
MAX_LAYOUTS = 256  # block layouts remembered per bank design (one block length needs ≤ 50)


@cache
def _oscillator_table(sample_rate: int) -> NDArray[np.complex128]:
    """exp(−j·2π·k/fs) for k in 0…fs−1: one cycle sampled at every integer phase step."""
    return np.exp(-2j * np.pi * np.arange(sample_rate) / sample_rate)


@cache
def _silence(samples: int) -> NDArray[np.float64]:
    """Zeros, shared read-only: what a bank has heard before its first block."""
    zeros = np.zeros(samples)
    zeros.setflags(write=False)
    return zeros


@cache
def _hann(window_samples: int) -> NDArray[np.float64]:
    """Hann window without its zero end points, normalised to unit sum."""
    window = np.hanning(window_samples + 2)[1:-1]
    return np.asarray(window / window.sum())


@cache
def _gain_table(
    window_samples: int, sample_rate: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The offsets every GAIN_TABLE_STEP_HZ from 0 to GAIN_TABLE_SPAN_HZ and the |window
    response| at each."""
    span = np.arange(0.0, GAIN_TABLE_SPAN_HZ, GAIN_TABLE_STEP_HZ)
    offsets = np.arange(window_samples)
    steering = np.exp(-2j * np.pi * np.outer(span, offsets) / sample_rate)
    return span, np.asarray(np.abs(steering @ _hann(window_samples)))


Layout = tuple[int, int, int, NDArray[np.complex128]]


@cache
def _shared_layouts(
    frequencies: tuple[int, ...], window_samples: int, tick_samples: int, sample_rate: int
) -> dict[tuple[int, int], Layout]:
    """Block layouts, shared by every bank of the same design: a detector made for a new
    call finds the layouts of the block lengths in use already worked out."""
    return {}


class Ticks:
    """Analyser outputs for the ticks completed by one block.

    `z[k, t]` is analyser k at tick `first + t`; `power[t]` the reference mean square
    (a sine of amplitude A inside the reference band gives A²/2, like |z| gives A/2), worked
    out on first use since a detector often needs no more than z.
    Tick t covers the window of samples ending at `(t + 1) · tick_samples − 1`.
    """

    __slots__ = ("_bank", "_frames", "_power", "count", "first", "z")

    def __init__(
        self,
        first: int,
        z: NDArray[np.complex128],
        bank: ToneBank | None = None,
        frames: NDArray[np.float64] | None = None,
    ) -> None:
        self.first = first
        self.z = z
        self.count = int(z.shape[1])
        self._bank = bank
        self._frames = frames
        self._power: NDArray[np.float64] | None = None

    @property
    def power(self) -> NDArray[np.float64]:
        if self._power is None:
            if self._bank is None or self._frames is None:
                self._power = np.zeros(self.count)
            else:
                self._power = self._bank.reference_power(self._frames)
            self._frames = None
        return self._power

    def power_within(self, start: int, stop: int) -> NDArray[np.float64]:
        """`power` at ticks start … stop − 1 and NaN at the others (all of it when it is
        known already), for a detector that reads the reference at a few ticks only."""
        if (
            self._power is not None
            or self._bank is None
            or self._frames is None
            or (start == 0 and stop == self.count)
        ):
            return self.power
        power = np.full(self.count, np.nan)
        power[start:stop] = self._bank.reference_power(self._frames[start:stop])
        return power


def joined_power(ticks: Sequence[Ticks]) -> NDArray[np.float64]:
    """The `power` of consecutive blocks' ticks, end to end: the ones not worked out yet
    are worked out together, in one matrix product."""
    pending = [
        t for t in ticks if t._power is None and t._bank is not None and t._frames is not None
    ]
    if len(pending) > 1:
        bank = pending[0]._bank
        assert bank is not None
        powers = bank.reference_power(np.concatenate([t._frames for t in pending]))  # type: ignore[misc]
        start = 0
        for block in pending:
            block._power = powers[start : start + block.count]
            block._frames = None
            start += block.count
    return np.concatenate([t.power for t in ticks])


class ToneBank:
    """Windowed single-bin DFTs at `frequencies_hz`, evaluated every `tick_samples`.

    Frequencies are rounded to whole hertz, far finer than any tolerance in use.
    The reference power counts only what lies within `reference_band_hz` (low, high).
    """

    def __init__(
        self,
        frequencies_hz: Sequence[float],
        window_samples: int,
        tick_samples: int,
        *,
        reference_band_hz: tuple[float, float] = (0.0, SAMPLE_RATE_HZ / 2),
        sample_rate: int = SAMPLE_RATE_HZ,
    ) -> None:
        if tick_samples < 1 or window_samples < 2:
            raise ValueError("tick_samples must be ≥ 1 and window_samples ≥ 2")
        nyquist = sample_rate / 2
        self.frequencies = np.array([round(f) for f in frequencies_hz], dtype=np.int64)
        if np.any(self.frequencies <= 0) or np.any(self.frequencies >= nyquist):
            raise ValueError(f"frequencies must lie in 0…{nyquist} Hz, got {frequencies_hz}")
        self.sample_rate = sample_rate
        self.tick_samples = tick_samples
        self.window_samples = window_samples
        self.tick_s = tick_samples / sample_rate
        self._window = _hann(window_samples)
        offsets = np.arange(window_samples)
        table = _oscillator_table(sample_rate)
        # kernel[i, k] = w[i]·exp(−jω_k·i): the part of each correlation fixed by the window.
        self._kernel = (
            self._window[:, None] * table[(offsets[:, None] * self.frequencies) % sample_rate]
        )
        self._table = table
        # The same kernel as a real matrix whose columns alternate real and imaginary parts:
        # a real matrix product whose result reads directly as the complex correlations.
        self._kernel_parts = np.ascontiguousarray(
            np.stack((self._kernel.real, self._kernel.imag), axis=2).reshape(window_samples, -1)
        )
        # Where the ticks of a block lie and their oscillators' phase, by block length and
        # position within the oscillators' common period (blocks usually repeat both).
        self._period = int(np.lcm(sample_rate, tick_samples))
        self._layouts = _shared_layouts(
            tuple(self.frequencies.tolist()), window_samples, tick_samples, sample_rate
        )
        self._fft_size = 1 << (window_samples - 1).bit_length()
        bins = np.fft.rfftfreq(self._fft_size, 1 / sample_rate)
        low, high = reference_band_hz
        inside = (bins >= low) & (bins <= high)
        if not inside.any():
            raise ValueError(f"reference band {reference_band_hz} Hz holds no spectrum bin")
        self._band_parts, self._band_weights, self._whole_weight = _band_parts(
            window_samples, self._fft_size, tuple(inside.tolist())
        )
        self._window_squared = self._window**2
        # Parseval: one-sided spectrum power of a windowed sine is A²/4 · fft_size · Σw².
        self._band_scale = 2.0 / (self._fft_size * float(np.sum(self._window_squared)))
        self._x = _silence(window_samples - 1)  # the signal before the next block
        self._position = 0
        # A tone's edge reaches half amplitude when it passes the window's centre.
        self.half_rise_samples = (window_samples - 1) // 2
        self._gain_offsets, self._gain_table = _gain_table(window_samples, sample_rate)

    @property
    def kernel_parts(self) -> NDArray[np.float64]:
        """(window, 2·analysers): frames @ this, viewed as complex, are the correlations
        before the oscillators' phase at each window's start."""
        return self._kernel_parts

    @property
    def oscillator_table(self) -> NDArray[np.complex128]:
        """exp(−j·2π·k/fs) for k in 0…fs−1: the phases `process` turns correlations by."""
        return self._table

    @property
    def position(self) -> int:
        """Samples processed so far."""
        return self._position

    @property
    def tail(self) -> NDArray[np.float64]:
        """The last window_samples − 1 samples processed (silence before the first): what
        the next block's first windows reach back into (read-only)."""
        return self._x

    def resume(self, tail: NDArray[np.float64], position: int) -> None:
        """Continue a signal analysed elsewhere up to `position` samples, whose last
        window_samples − 1 samples were `tail`: the next block gives the ticks it would
        have given there."""
        if tail.shape != (self.window_samples - 1,) or position < 0:
            raise ValueError(f"need the last {self.window_samples - 1} samples and a position ≥ 0")
        self._x = np.array(tail, dtype=np.float64)
        self._position = position

    def restart(self) -> None:
        """Forget the signal: the next sample processed is sample 0 (the kernels, worth
        milliseconds to build, are kept)."""
        self._x = _silence(self.window_samples - 1)
        self._position = 0

    def gain(self, offset_hz: NDArray[np.float64]) -> NDArray[np.float64]:
        """Window response for a sine `offset_hz` away from an analysed frequency (1 at 0 Hz)."""
        return self.gain_at_distance(np.abs(offset_hz))

    def gain_at_distance(self, distance_hz: NDArray[np.float64]) -> NDArray[np.float64]:
        """`gain` for non-negative offsets, read linearly from the table (0 beyond it)."""
        return np.interp(distance_hz, self._gain_offsets, self._gain_table, right=0.0)

    def process(self, x: NDArray[np.float64] | NDArray[np.int16]) -> Ticks:
        """Run a block (1-D, int16 or float) through the bank; return the ticks that ended
        inside it."""
        n = x.size
        start = self._position
        layout = self._layouts.get((n, start % self._period)) or self._new_layout(n, start)
        first_end, count, tick_offset, rotation = layout
        first_tick = start // self.tick_samples + tick_offset
        signal = np.concatenate((self._x, x), dtype=np.float64)
        self._x = signal[n:]
        self._position += n
        if count == 0:
            return Ticks(first_tick, np.zeros((self.frequencies.size, 0), dtype=np.complex128))
        # Window for a tick ending at local sample e covers signal[e : e + window] here: one
        # row per tick (copied out of a strided view: matrix products want contiguous rows).
        frames = np.ndarray(
            (count, self.window_samples),
            dtype=np.float64,
            buffer=signal,
            offset=first_end * signal.itemsize,
            strides=(self.tick_samples * signal.itemsize, signal.itemsize),
        ).copy()
        correlation = frames.dot(self._kernel_parts).view(np.complex128)  # (ticks, frequencies)
        return Ticks(first_tick, (rotation * correlation).T, self, frames)

    def _new_layout(self, n: int, start: int) -> Layout:
        """Work out and remember the layout of a block of n samples from sample `start`: the
        local end of its first tick, its tick count, its first tick's number less
        start // tick_samples, and each tick's oscillator phase (tick, frequency: the layout
        of the correlations it turns). It holds for every block of that length starting at
        the same point of the oscillators' common period."""
        first_end = (self.tick_samples - 1 - start) % self.tick_samples
        ends = np.arange(first_end, n, self.tick_samples)
        first_tick = (start + first_end + 1) // self.tick_samples - 1
        # Absolute number of each window's first sample, within the oscillators' cycle.
        window_start = (start + ends - (self.window_samples - 1)) % self.sample_rate
        phase = (self.frequencies[:, None] * window_start) % self.sample_rate
        if len(self._layouts) >= MAX_LAYOUTS:
            self._layouts.clear()
        layout = (
            first_end,
            ends.size,
            first_tick - start // self.tick_samples,
            np.ascontiguousarray(self._table[phase].T),
        )
        self._layouts[(n, start % self._period)] = layout
        return layout

    def reference_power(self, frames: NDArray[np.float64]) -> NDArray[np.float64]:
        """Power within the reference band of each windowed frame (one per tick)."""
        parts = frames.dot(self._band_parts)
        band = (parts * parts).dot(self._band_weights)
        if self._whole_weight:
            band += (frames * frames).dot(self._window_squared) * self._whole_weight
            band = np.maximum(band, 0.0)  # what rounding may leave below an empty band
        return band * self._band_scale


@cache
def _band_parts(
    window_samples: int, fft_size: int, inside: tuple[bool, ...]
) -> tuple[NDArray[np.float64], NDArray[np.float64], float]:
    """How to get a frame's one-sided spectrum power within the band (`inside`: a flag per
    bin of the windowed frame zero-padded to `fft_size`) from a matrix product over a few
    bins, which costs less than transforming them all.

    Returns the matrix taking frames to the real and imaginary parts of the bins summed,
    the weight of each part's square, and the weight of the windowed frame's whole power.
    Either the bins inside the band are summed, or, when fewer lie outside it, the band is
    the whole (Parseval: fft_size/2 · Σ(w·x)² is half the two-sided power) less the bins
    outside; the bins at 0 Hz and at half the sample rate then add ½ (the two-sided sum
    counts them once, every other bin twice).
    """
    window = _hann(window_samples)
    edges = (0, fft_size // 2)
    parts_inside = sum(1 if k in edges else 2 for k, flag in enumerate(inside) if flag)
    parts_all = 2 * len(inside) - 2  # the edges' imaginary parts are zero
    direct = parts_inside <= parts_all - parts_inside
    columns: list[NDArray[np.float64]] = []
    weights: list[float] = []
    offsets = np.arange(window_samples)
    for k, flag in enumerate(inside):
        if direct:
            weight = 1.0 if flag else 0.0
        else:
            weight = (0.0 if flag else -1.0) + (0.5 if k in edges else 0.0)
        if weight == 0.0:
            continue
        turn = 2 * np.pi * k * offsets / fft_size
        columns.append(window * np.cos(turn))
        weights.append(weight)
        if k not in edges:  # the imaginary part is zero at the edges
            columns.append(-window * np.sin(turn))
            weights.append(weight)
    whole = 0.0 if direct else fft_size / 2
    return np.ascontiguousarray(np.array(columns).T), np.array(weights), whole
