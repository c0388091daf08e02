"""DTMF receivers for many channels, analysed together.

A `DtmfReceiverBank` gives each channel exactly the events its own `DtmfReceiver` would
give, but works out the common part for all channels fed in one call at once: the
analysers' correlations as one matrix product over every channel's ticks, their oscillator
phases from one table lookup, the ticks each frequency measurement looks back at, and the
screening that finds which ticks could show a digit, and the measuring and classifying of
the channels whose ticks could. A channel's receiver is called only when its block shows a
digit or a digit is in progress or being confirmed: until then (nearly always) the bank just
holds the channel's blocks, as many as the receiver's history keeps, and hands them over
first when it calls the receiver again. Handing ticks that show no digit to an idle
receiver late gives it exactly the state handing them over at once would have.

A call with fewer than SHARED_FROM_CHANNELS channels (one phone dialling, most of the
time) feeds each through its own receiver instead, which then costs less: the shared work
pays off only across several channels. A channel moving between small and large calls
takes its analysers' state along (the last window of signal and the last ticks a frequency
measurement looks back at), so its events do not depend on who it was fed with.

Blocks are a whole number of analyser ticks (the engine's 20 ms frames are), so every
channel's ticks start on a block boundary.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from typing import cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from voice.dtmf_rx import (
    ANALYSED_FREQUENCIES_HZ,
    HISTORY_TICKS,
    RECENT_TICKS,
    REFERENCE_BAND_HZ,
    TICK_SAMPLES,
    WINDOW_SAMPLES,
    DtmfEvent,
    DtmfReceiver,
    Measured,
    Screened,
    digit_codes,
    measure,
    screening,
    tick_indices,
)
from voice.level import SAMPLE_RATE_HZ
from voice.tones.bank import Ticks, ToneBank

# Fewer channels than this fed in one call go through their own receivers: below it the
# shared work costs more per channel than a receiver's own (instructions per channel on the
# bench audio, 40 ms blocks: 911 M fed alone through the bank, 656 M with two channels,
# 529 M with four, 459 M with eight; 531 M for a receiver of its own).
SHARED_FROM_CHANNELS = 4

# What one feed worked out for its channels (a row each): first ticks, z, frames, |z|,
# quiet, possible, strongest, recent z, measured.
_Feed = tuple[
    list[int],
    NDArray[np.complex128],
    NDArray[np.float64],
    NDArray[np.float64],
    list[bool],
    NDArray[np.bool_],
    NDArray[np.int64],
    NDArray[np.complex128],
    "list[Measured | None]",
]
# A block an idle receiver has not been handed yet: its feed, its row there, its ticks.
_Held = tuple[_Feed, int, int]


class DtmfReceiverBank:
    """`channels` DTMF receivers; `feed` takes one block for any subset of them."""

    def __init__(self, channels: int = 0) -> None:
        self._receivers: list[DtmfReceiver] = []
        self._held: list[_HeldBack] = []  # per channel
        # Per channel: its receiver's own analysers hold its signal (it was last fed in a
        # call with fewer than SHARED_FROM_CHANNELS channels), not the rows below.
        self._own_analysis: list[bool] = []
        self._history = np.zeros((0, WINDOW_SAMPLES - 1))
        self._ticks_fed = np.zeros(0, dtype=np.int64)
        self._z_tail = np.zeros((0, len(ANALYSED_FREQUENCIES_HZ), RECENT_TICKS), dtype=complex)
        # The analysers every receiver uses (all the same): kernel, phases, reference power.
        self._analysers = ToneBank(
            ANALYSED_FREQUENCIES_HZ,
            WINDOW_SAMPLES,
            TICK_SAMPLES,
            reference_band_hz=REFERENCE_BAND_HZ,
        )
        self._rotations = _rotation_table(self._analysers)
        self._period_ticks = self._rotations.shape[0]
        for _ in range(channels):
            self.add_channel()

    def add_channel(self) -> int:
        """A new channel, at sample 0; returns its index."""
        self._receivers.append(DtmfReceiver())
        self._held.append(_HeldBack())
        self._own_analysis.append(False)
        self._history = np.vstack((self._history, np.zeros((1, WINDOW_SAMPLES - 1))))
        self._ticks_fed = np.append(self._ticks_fed, 0)
        self._z_tail = np.concatenate((self._z_tail, np.zeros((1, *self._z_tail.shape[1:]))))
        return len(self._receivers) - 1

    @property
    def channels(self) -> int:
        return len(self._receivers)

    def reset(self, channel: int) -> None:
        """Forget a channel's past: its next sample is sample 0."""
        self._receivers[channel].reset()
        self._held[channel] = _HeldBack()
        self._own_analysis[channel] = False
        self._history[channel] = 0.0
        self._ticks_fed[channel] = 0
        self._z_tail[channel] = 0.0

    def position(self, channel: int) -> int:
        """Samples fed to `channel` since it was added or reset."""
        return int(self._ticks_fed[channel]) * TICK_SAMPLES

    def digit_in_progress(self, channel: int) -> str | None:
        return self._receivers[channel].digit_in_progress

    def feed(self, channels: Sequence[int], blocks: ArrayLike) -> list[list[DtmfEvent]]:
        """Take one block for each of `channels` (rows of `blocks`, int16 or float, a whole
        number of TICK_SAMPLES long); return each channel's digit starts and ends, in the
        order of `channels`."""
        x = np.asarray(blocks)
        if x.ndim != 2 or x.shape[0] != len(channels):
            raise ValueError(f"need one block per channel, got shape {x.shape}")
        n = x.shape[1]
        if n % TICK_SAMPLES:
            raise ValueError(f"blocks must be a multiple of {TICK_SAMPLES} samples, not {n}")
        if not channels:
            return []
        count = n // TICK_SAMPLES
        if count == 0:
            return [[] for _ in channels]
        if len(set(channels)) != len(channels):
            raise ValueError("a channel may be fed only once per call")
        if len(channels) < SHARED_FROM_CHANNELS:
            return [self._feed_own(c, block) for c, block in zip(channels, x, strict=True)]
        for channel in channels:
            if self._own_analysis[channel]:
                self._take_analysis(channel)
        index = np.asarray(channels, dtype=np.int64)
        signal = np.concatenate((self._history[index], x), axis=1, dtype=np.float64)
        self._history[index] = signal[:, n:]
        first_ticks = self._ticks_fed[index]
        self._ticks_fed[index] = first_ticks + count
        # Every channel's windows, one row per tick, the ticks of a channel together.
        rows, columns = signal.strides
        frames = np.ndarray(
            (index.size, count, WINDOW_SAMPLES),
            dtype=np.float64,
            buffer=signal,
            offset=(TICK_SAMPLES - 1) * columns,
            strides=(rows, TICK_SAMPLES * columns, columns),
        ).reshape(index.size * count, WINDOW_SAMPLES)
        correlation = (frames @ self._analysers.kernel_parts).view(np.complex128)
        phase = (first_ticks[:, None] + tick_indices(count)) % self._period_ticks
        z = (correlation.reshape(index.size, count, -1) * self._rotations[phase]).transpose(
            0, 2, 1
        )  # (channel, analyser, tick)
        windows = frames.reshape(index.size, count, WINDOW_SAMPLES)  # by channel
        # z with the ticks before it that frequency measurements look back at.
        recent_z = np.concatenate((self._z_tail[index], z), axis=2)
        self._z_tail[index] = recent_z[:, :, -RECENT_TICKS:]
        magnitude = np.abs(z)
        quiet, possible, strongest = screening(magnitude)
        measured = self._measure_near(quiet, possible, strongest, recent_z, magnitude, windows)
        # What every channel's Ticks and Screened are made of, kept whole: a channel held
        # back keeps a reference to it and its row instead of views of its own.
        feed: _Feed = (
            first_ticks.tolist(),
            z,
            windows,
            magnitude,
            quiet,
            possible,
            strongest,
            recent_z,
            measured,
        )
        events: list[list[DtmfEvent]] = []
        for row, channel in enumerate(channels):
            receiver, held = self._receivers[channel], self._held[channel]
            measurement = measured[row]
            if receiver.idle and (measurement is None or measurement.codes is None):
                held.hold((feed, row, count))
                events.append([])
                continue
            if held.blocks:
                self._hand_over(channel)
            events.append(receiver.take(*self._block(feed, row)))
        return events

    def _feed_own(self, channel: int, block: NDArray) -> list[DtmfEvent]:
        """Feed one channel's block through its receiver's own analysers, handing them the
        signal first when the bank analysed it last."""
        receiver = self._receivers[channel]
        if not self._own_analysis[channel]:
            if self._held[channel].blocks:
                self._hand_over(channel)
            receiver.resume_analysis(
                self._history[channel], self._z_tail[channel], self.position(channel)
            )
            self._own_analysis[channel] = True
        self._ticks_fed[channel] += block.size // TICK_SAMPLES
        return receiver.feed(block)

    def _take_analysis(self, channel: int) -> None:
        """Go on analysing a channel's signal here after its receiver analysed it."""
        tail, recent_z = self._receivers[channel].analysis_state()
        self._history[channel] = tail
        self._z_tail[channel] = recent_z
        self._own_analysis[channel] = False

    def _block(self, feed: _Feed, row: int) -> tuple[Ticks, Screened]:
        """One channel's Ticks and Screened from what a feed worked out for all."""
        first, z, windows, magnitude, quiet, possible, strongest, recent_z, measured = feed
        return (
            Ticks(first[row], z[row], self._analysers, windows[row]),
            Screened(
                magnitude[row],
                quiet[row],
                possible[row],
                strongest[row],
                recent_z[row],
                measured[row],
            ),
        )

    def _hand_over(self, channel: int) -> None:
        """Give a receiver the blocks held back from it, as if it had had them in time."""
        receiver, held = self._receivers[channel], self._held[channel]
        self._held[channel] = _HeldBack()
        if held.passed_over:
            receiver.pass_over(held.passed_over)
        for feed, row, _ in held.blocks:
            receiver.take(*self._block(feed, row))

    def _measure_near(
        self,
        quiet: list[bool],
        possible: NDArray[np.bool_],
        strongest: NDArray[np.int64],
        recent_z: NDArray[np.complex128],
        magnitude: NDArray[np.float64],
        windows: NDArray[np.float64],
    ) -> list[Measured | None]:
        """Measure and classify together the channels with a tick that could show a digit
        (what each receiver would do by itself); None for the others."""
        measured: list[Measured | None] = [None] * len(quiet)
        possible_anywhere = cast(list[bool], possible.any(axis=1).tolist())
        near = [
            i for i, (q, p) in enumerate(zip(quiet, possible_anywhere, strict=True)) if p and not q
        ]
        if not near:
            return measured
        amplitude, deviation = measure(self._analysers, recent_z[near], 2 * magnitude[near])
        count = magnitude.shape[2]
        power = self._analysers.reference_power(
            windows[near].reshape(len(near) * count, WINDOW_SAMPLES)
        ).reshape(len(near), count)
        codes, shown = digit_codes(possible[near], strongest[near], amplitude, deviation, power)
        for k, (row, any_shown) in enumerate(zip(near, shown.tolist(), strict=True)):
            measured[row] = Measured(
                amplitude[k], deviation[k], power[k], codes[k] if any_shown else None
            )
        return measured


class _HeldBack:
    """The blocks held back from one idle receiver: no more than its history reaches, and
    the ticks of older ones dropped since."""

    def __init__(self) -> None:
        self.blocks: deque[_Held] = deque()
        self.ticks = 0
        self.passed_over = 0

    def hold(self, block: _Held) -> None:
        self.blocks.append(block)
        self.ticks += block[2]
        while self.ticks - self.blocks[0][2] >= HISTORY_TICKS:
            # The newer blocks fill the receiver's history: the oldest never counts.
            passed = self.blocks.popleft()[2]
            self.ticks -= passed
            self.passed_over += passed


def _rotation_table(analysers: ToneBank) -> NDArray[np.complex128]:
    """Each analyser's oscillator phase at the first sample of every tick's window, for the
    ticks of one oscillator period (tick, analyser): the values ToneBank uses."""
    period = int(np.lcm(SAMPLE_RATE_HZ, TICK_SAMPLES)) // TICK_SAMPLES
    ticks = np.arange(period)
    window_start = (ticks * TICK_SAMPLES + TICK_SAMPLES - WINDOW_SAMPLES) % SAMPLE_RATE_HZ
    phase = (analysers.frequencies[None, :] * window_start[:, None]) % SAMPLE_RATE_HZ
    return analysers.oscillator_table[phase]
