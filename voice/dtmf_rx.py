"""DTMF receiver meeting ITU-T Q.24 with the AT&T parameters.

Eight narrow-band analysers (voice.tones.bank: a 25 ms Hann window every 2.5 ms tick)
measure each DTMF frequency's amplitude and actual frequency. A tick shows a digit when,
for the strongest row tone and the strongest column tone:

- each tone is at least MIN_TONE_DBM0 (accept −25 dBm0, reject −55 dBm0),
- twist (high − low) lies within −NORMAL_TWIST_DB … +REVERSE_TWIST_DB (accept −8/+4 dB),
- each measured frequency is within FREQUENCY_TOLERANCE of nominal (accept ±1.5 %,
  reject ±3.5 %: the decision sits between),
- the two tones carry MIN_PURITY of the power in REFERENCE_BAND_HZ (speech and music spread
  their power over the band; dial tone lies below it and does not count),
- each tone stands GROUP_PEAK_DB above the other tones of its group.

A digit starts once START_TICKS ticks showed it, its tones have been heard for MIN_HEARD_MS,
and over the last START_TICKS ticks their measured frequencies held steady (within
MAX_DRIFT) and they carried MIN_CORE_PURITY of the band's power (median): a 40 ms tone
always qualifies, a 23 ms tone never does, and the harmonics of speech and music rarely do.
It ends after END_TICKS ticks without it (a 40 ms pause always gives more, a 10 ms drop-out
fewer). Start and end positions are where the tones' envelopes crossed half their steady
amplitude, corrected for the analysers' delay.

Cost: most blocks hold no tick with a row and a column tone standing GROUP_PEAK_DB out of
their groups, and none of those can show a digit; their frequencies, corrected amplitudes
and band power are worked out only if a later decision looks back at them (the results are
the same either way). In a block that can show a digit, the band power is worked out only
where a decision reads it (`purity_span`).
"""

from __future__ import annotations

import itertools
import logging
from collections import deque
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from voice.dtmf_tx import COLUMN_FREQUENCIES_HZ, KEYPAD, ROW_FREQUENCIES_HZ
from voice.level import SAMPLE_RATE_HZ, amplitude_to_dbm0, dbm0_to_amplitude
from voice.tones.bank import Ticks, ToneBank, joined_power

log = logging.getLogger(__name__)

TICK_SAMPLES = 20  # 2.5 ms
WINDOW_SAMPLES = 200  # 25 ms: the closest DTMF pair (73 Hz apart) leaks in at −27 dB
REFERENCE_BAND_HZ = (600.0, 3600.0)
MIN_TONE_DBM0 = -33.0
REVERSE_TWIST_DB = 5.0  # high group louder
NORMAL_TWIST_DB = 9.0  # low group louder
FREQUENCY_TOLERANCE = 0.02  # relative
MIN_PURITY = 0.85
GROUP_PEAK_DB = 12.0
FREQUENCY_SMOOTHING_TICKS = 4
RECENT_TICKS = FREQUENCY_SMOOTHING_TICKS + 1  # what a frequency measurement looks back at
MAX_GAIN_CORRECTION = 4.0  # never undo more than 12 dB of window loss
START_TICKS = 7
# Heard from the onset to the centre of the latest window: a 40 ms tone reaches ~34 ms
# before its last window stops showing it, a 23 ms tone at most ~17 ms.
MIN_HEARD_MS = 26
MIN_HEARD_SAMPLES = MIN_HEARD_MS * SAMPLE_RATE_HZ // 1000
MAX_DRIFT = 0.008  # relative change of a measured frequency over the last START_TICKS ticks
MIN_CORE_PURITY = 0.95  # median purity over those ticks: a real digit's core is nearly pure
BRIDGED_GAP_TICKS = 2  # a start may count across gaps this short (noise at the tone's onset)
END_TICKS = 10
HISTORY_TICKS = 48  # ticks kept between blocks for the envelope searches
FLUSH_SAMPLES = 800  # silence that closes any digit in progress
HALF = 0.5
HISTORY_SPARE_TICKS = 256  # room after the history: it moves once per this many ticks

ANALYSED_FREQUENCIES_HZ = ROW_FREQUENCIES_HZ + COLUMN_FREQUENCIES_HZ
_FREQUENCIES = ANALYSED_FREQUENCIES_HZ
_NO_DIGIT = -1
_TINY = np.finfo(float).tiny
_NOTHING_POSSIBLE = np.zeros(0, dtype=bool)  # what a quiet block's screening leaves unsaid
_FREQUENCY_COLUMN = np.array(_FREQUENCIES)[:, None]
_GROUP_FIRST_CHANNEL = np.array([[0], [4]])  # rows, then columns
_MIN_TONE_AMPLITUDE = dbm0_to_amplitude(MIN_TONE_DBM0)
# A tone this strong may still reach MIN_TONE_DBM0 after the largest window-loss correction.
_NEAR_AMPLITUDE = _MIN_TONE_AMPLITUDE / MAX_GAIN_CORRECTION
# Below this |z| (half the amplitude) in either group, a tick is nowhere near a digit.
QUIET_MAGNITUDE = _NEAR_AMPLITUDE / 2
_GROUP_PEAK = 10 ** (GROUP_PEAK_DB / 20)
_GROUP_MEMBERS = np.kron(np.eye(2), np.ones(4))  # (group, analyser): rows, then columns
# Rows of a digit's row and column analysers (code = row·4 + column), as slices: indexing
# with them gives views, without turning a list into an index array each time.
_PAIR_ROWS = tuple(
    slice(row, 5 + column, 4 + column - row) for row in range(4) for column in range(4)
)
# Reductions as ufunc methods: what the array methods give, without their wrappers.
_largest = np.maximum.reduce
_smallest = np.minimum.reduce
_total = np.add.reduce
_any = np.logical_or.reduce
_every = np.logical_and.reduce
_NORMAL_TWIST = 10 ** (-NORMAL_TWIST_DB / 20)
_REVERSE_TWIST = 10 ** (REVERSE_TWIST_DB / 20)


@dataclass(frozen=True)
class DtmfEvent:
    """A digit started (`end_sample is None`) or ended.

    Sample positions count from the receiver's first sample. `detected_sample` is when the
    receiver decided; `low_dbm0`/`high_dbm0` are the measured tone levels.
    """

    digit: str
    start_sample: int
    end_sample: int | None
    detected_sample: int
    low_dbm0: float
    high_dbm0: float
    sample_rate: int = SAMPLE_RATE_HZ

    @property
    def ended(self) -> bool:
        return self.end_sample is not None

    @property
    def start_ms(self) -> float:
        return self.start_sample * 1000 / self.sample_rate

    @property
    def end_ms(self) -> float | None:
        return None if self.end_sample is None else self.end_sample * 1000 / self.sample_rate

    @property
    def duration_ms(self) -> float | None:
        if self.end_sample is None:
            return None
        return (self.end_sample - self.start_sample) * 1000 / self.sample_rate

    @property
    def twist_db(self) -> float:
        return self.high_dbm0 - self.low_dbm0


def measure(
    analysers: ToneBank, z: NDArray[np.complex128], raw: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Corrected amplitudes and relative frequency deviations of the last ticks of `z`
    (FREQUENCY_SMOOTHING_TICKS + 1 more ticks before them), whose |z|·2 is `raw`; ticks
    along the last axis, analysers along the one before (any channels before that)."""
    count = raw.shape[-1]
    # Frequency error from the phase turn between ticks, smoothed over a few ticks.
    turn = (z[..., 1:] * np.conj(z[..., :-1])).cumsum(axis=-1)
    smoothed = (turn[..., FREQUENCY_SMOOTHING_TICKS:] - turn[..., :-FREQUENCY_SMOOTHING_TICKS])[
        ..., -count:
    ]
    offset_hz = _angle(smoothed) / (2 * np.pi * analysers.tick_s)
    deviation = offset_hz / _FREQUENCY_COLUMN
    # Raw amplitudes pick the strongest tones; reported amplitudes undo the window's loss
    # at the measured offset.
    amplitude = raw / np.maximum(analysers.gain(offset_hz), 1 / MAX_GAIN_CORRECTION)
    return amplitude, deviation


class Screened(NamedTuple):
    """A first look at one channel's new ticks, before any measuring.

    `magnitude` is |z| (half the raw amplitudes). `quiet`: no tick has a row and a column
    tone that could reach MIN_TONE_DBM0 even after the largest window-loss correction (most
    of the time). `possible`: the ticks that are not quiet and have a row and a column tone
    standing GROUP_PEAK_DB out of its group; only those can show a digit, and measuring the
    others waits until a digit's decisions look back at them. `strongest`: the strongest
    row and column analyser of each tick, within its group (2, tick).

    A bank also gives `recent_z`: z with the FREQUENCY_SMOOTHING_TICKS + 1 ticks before
    them, which it keeps for all its channels at once, and `measured` when some tick is
    possible: what the channels' measuring and classifying gave, done for them together.
    """

    magnitude: NDArray[np.float64]
    quiet: bool
    possible: NDArray[np.bool_]
    strongest: NDArray[np.int64]
    recent_z: NDArray[np.complex128] | None = None
    measured: Measured | None = None


class Measured(NamedTuple):
    """Corrected amplitudes, frequency deviations and reference power of new ticks, and the
    digit codes they show (`digit_codes`), or None when no tick shows a digit."""

    amplitude: NDArray[np.float64]
    deviation: NDArray[np.float64]
    power: NDArray[np.float64]
    codes: NDArray[np.int64] | None


def digit_codes(
    possible: NDArray[np.bool_],
    strongest: NDArray[np.int64],
    amplitude: NDArray[np.float64],
    deviation: NDArray[np.float64],
    power: NDArray[np.float64],
) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """The digit code (row·4 + column) each tick shows, or _NO_DIGIT, and whether each
    channel has a tick showing one: from the strongest row and column tone of each tick.
    Ticks lie along the last axis, analysers along the one before (any channels first)."""
    chosen = strongest + _GROUP_FIRST_CHANNEL  # (…, 2, tick)
    ticks = tick_indices(chosen.shape[-1])
    if chosen.ndim == 2:
        index: tuple[NDArray[np.int64], ...] = (chosen, ticks)
    else:
        index = (tick_indices(chosen.shape[0])[:, None, None], chosen, ticks)
    pair = amplitude[index]
    low, high = pair[..., 0, :], pair[..., 1, :]
    squares = pair * pair
    # Each tone loud enough and on frequency.
    sound = (pair >= _MIN_TONE_AMPLITUDE) & (np.abs(deviation[index]) <= FREQUENCY_TOLERANCE)
    valid = (
        possible
        & sound[..., 0, :]
        & sound[..., 1, :]
        & (high >= low * _NORMAL_TWIST)
        & (high <= low * _REVERSE_TWIST)
        & ((squares[..., 0, :] + squares[..., 1, :]) / 2 >= MIN_PURITY * power)
    )
    codes = np.where(valid, strongest[..., 0, :] * 4 + strongest[..., 1, :], _NO_DIGIT)
    return codes, _any(valid, axis=-1)


def purity_span(possible_at: NDArray[np.int64], count: int) -> tuple[int, int]:
    """The ticks of a block whose reference power a decision may read, given the ticks that
    could show a digit (`possible_at`, ascending; there is one at least): from
    BRIDGED_GAP_TICKS before the first to as many after the last. A start reads ticks that
    showed its digit and the gaps it bridged, no longer than that; a block with no possible
    tick is measured whole when a decision needs it."""
    first = max(0, int(possible_at[0]) - BRIDGED_GAP_TICKS)
    return first, min(count, int(possible_at[-1]) + BRIDGED_GAP_TICKS + 1)


def screening(
    magnitude: NDArray[np.float64],
) -> tuple[list[bool], NDArray[np.bool_], NDArray[np.int64]]:
    """`screen`'s findings as arrays over the channels: quiet, possible, strongest."""
    channels, _, count = magnitude.shape
    by_group = magnitude.reshape(channels, 2, 4, count)
    ranked = _sorted(by_group, axis=2)  # (channel, group, rank, tick), strongest last
    weaker_group_peak = _smallest(ranked[:, :, 3], axis=1)  # (channel, tick)
    quiet = (_largest(weaker_group_peak, axis=1) < QUIET_MAGNITUDE).tolist()
    standing_out = ranked[:, :, 3] >= _GROUP_PEAK * ranked[:, :, 2]  # (channel, group, tick)
    possible = (weaker_group_peak >= QUIET_MAGNITUDE) & _every(standing_out, axis=1)
    strongest = by_group.argmax(axis=2)
    return quiet, possible, strongest


# A quiet block's screening: nothing after it reads the magnitudes.
_QUIET = Screened(np.zeros((len(_FREQUENCIES), 0)), True, _NOTHING_POSSIBLE, _NOTHING_POSSIBLE)


def _screen_alone(magnitude: NDArray[np.float64]) -> Screened:
    """`screen` for one channel's |z| (analyser, tick), stopping at quiet ticks (most).
    The analysers reaching QUIET_MAGNITUDE are counted per group by a matrix product,
    which costs less than reductions over arrays this small."""
    loud = _GROUP_MEMBERS.dot(magnitude >= QUIET_MAGNITUDE)
    rows, columns = loud[0], loud[1]  # (tick,) each; unpacking an array would cost more
    if not rows.dot(columns):
        return _QUIET
    by_group = magnitude.reshape(2, 4, magnitude.shape[1])
    ranked = _sorted(by_group, axis=1)  # (group, rank, tick), strongest last
    standing_out = ranked[:, 3] >= _GROUP_PEAK * ranked[:, 2]  # (group, tick)
    possible = (rows * columns > 0) & standing_out[0] & standing_out[1]
    return Screened(magnitude, False, possible, by_group.argmax(axis=1))


class DtmfReceiver:
    """Decodes DTMF digits from int16 audio fed in blocks of any length.

    `feed()` returns events in order: for each digit one event when it starts (for low
    latency: the engine stops dial tone then) and one when it ends, carrying the duration.
    With `report_ends=False` only the starts are reported (a caller-ID decoder needs no
    more): a digit still ends where it would, so the same key again starts anew, but where
    its tones faded and at what level is not worked out. Results do not depend on how the
    audio is split into blocks.
    """

    def __init__(self, sample_rate: int = SAMPLE_RATE_HZ, *, report_ends: bool = True) -> None:
        if sample_rate != SAMPLE_RATE_HZ:
            raise ValueError(f"the DTMF receiver works at {SAMPLE_RATE_HZ} Hz, not {sample_rate}")
        self.sample_rate = sample_rate
        self.report_ends = report_ends
        self._bank = ToneBank(
            _FREQUENCIES,
            WINDOW_SAMPLES,
            TICK_SAMPLES,
            reference_band_hz=REFERENCE_BAND_HZ,
            sample_rate=sample_rate,
        )
        # History buffers with room to append HISTORY_SPARE_TICKS ticks before they move.
        channels = len(_FREQUENCIES)
        capacity = HISTORY_TICKS + HISTORY_SPARE_TICKS
        self._z_buffer = np.zeros((channels, capacity), dtype=np.complex128)
        self._amplitude_buffer = np.zeros((channels, capacity))
        self._deviation_buffer = np.zeros((channels, capacity))
        self._power_buffer = np.ones(capacity)
        self.reset()

    def reset(self) -> None:
        """Forget everything: the next sample fed is sample 0."""
        self._bank.restart()
        self._delay = self._bank.half_rise_samples
        # Silence before the first sample; later columns are written before being read.
        self._z_buffer[:, :HISTORY_TICKS] = 0.0
        self._amplitude_buffer[:, :HISTORY_TICKS] = 0.0
        self._deviation_buffer[:, :HISTORY_TICKS] = 0.0
        self._power_buffer[:HISTORY_TICKS] = 1.0
        self._used = HISTORY_TICKS  # buffer columns in use
        # The columns of the last HISTORY_TICKS ticks (and, while a block is handled, its
        # ticks): the views _z, _amplitude, _deviation and _power show them.
        self._columns = slice(0, HISTORY_TICKS)
        self._first = -HISTORY_TICKS  # tick number of column 0 of those views
        # Blocks whose ticks cannot show a digit are measured only when a digit's decisions
        # look back at them: (their ticks, z from FREQUENCY_SMOOTHING_TICKS + 1 ticks before
        # them, or None where no tick came near a digit and the raw amplitudes will do).
        self._unmeasured: deque[tuple[Ticks, NDArray[np.complex128] | None]] = deque()
        self._candidate = _NO_DIGIT  # digit being confirmed before it starts
        self._candidate_ticks = 0  # ticks that showed it
        self._candidate_first = 0  # the first of them
        self._candidate_onset: int | None = None  # sample where its tones began
        self._candidate_started = False  # it already produced a start event
        self._gap = 0  # ticks since the candidate last showed
        self._active = _NO_DIGIT  # digit in progress
        self._active_start = 0  # its start sample
        self._last_match = 0  # last tick that showed it
        self._plateau = np.zeros(2)  # its row and column amplitudes

    @property
    def digit_in_progress(self) -> str | None:
        return None if self._active == _NO_DIGIT else _digit(self._active)

    @property
    def position(self) -> int:
        """Samples fed so far."""
        return self._bank.position

    @property
    def idle(self) -> bool:
        """No digit in progress or being confirmed: ticks showing no digit change nothing
        but the history, so a bank may hand them over late (`take`) or not at all
        (`pass_over`) once newer ones fill the history."""
        return self._active == _NO_DIGIT and self._candidate == _NO_DIGIT

    def pass_over(self, count: int) -> None:
        """Count `count` ticks showing no digit, heard while idle, without keeping them:
        they are older than the history the next `take` keeps."""
        self._gap += count

    def analysis_state(self) -> tuple[NDArray[np.float64], NDArray[np.complex128]]:
        """What this receiver's own analysers carry into the next block fed: the last
        WINDOW_SAMPLES − 1 samples and z of the last RECENT_TICKS ticks (read-only views),
        for a bank that goes on analysing the signal for it."""
        return self._bank.tail, self._z_buffer[:, self._used - RECENT_TICKS : self._used]

    def resume_analysis(
        self, tail: NDArray[np.float64], recent_z: NDArray[np.complex128], position: int
    ) -> None:
        """Analyse the next blocks fed here after a bank analysed the signal up to
        `position` samples for this receiver (`take`): its last WINDOW_SAMPLES − 1 samples
        were `tail` and z of its last RECENT_TICKS ticks `recent_z`."""
        self._bank.resume(tail, position)
        self._z_buffer[:, self._used - RECENT_TICKS : self._used] = recent_z

    def feed(self, samples: ArrayLike) -> list[DtmfEvent]:
        """Take a block of int16 audio (any length); return the digit starts and ends in it."""
        x = np.asarray(samples)  # the bank takes it to float64 as it joins the history
        if x.ndim != 1:
            x = x.ravel()
        return self.take(self._bank.process(x))

    def take(self, ticks: Ticks, screened: Screened | None = None) -> list[DtmfEvent]:
        """Decide on analyser ticks worked out for this receiver's signal (`feed` does both);
        `screened` is what `screen` gave for them, when a bank did it for many channels."""
        count = ticks.count
        if count == 0:
            return []
        self._first = ticks.first - HISTORY_TICKS
        self._append(count)
        if screened is None:
            screened = _screen_alone(np.abs(ticks.z))
        if screened.recent_z is None:  # else the bank keeps what _classify looks back at
            self._z_buffer[:, self._used - count : self._used] = ticks.z
        codes = self._classify(ticks, screened)
        if self._active == _NO_DIGIT and self._candidate == _NO_DIGIT and codes is None:
            self._gap += count  # nothing going on: only the gap since the last candidate grows
            return []
        return self._track(_no_digits(count) if codes is None else codes, ticks.first)

    def flush(self) -> list[DtmfEvent]:
        """Feed enough silence to close a digit still in progress (end of a recording)."""
        return self.feed(np.zeros(FLUSH_SAMPLES))

    def _append(self, count: int) -> None:
        """Make room for `count` new ticks after the history and point the views at both."""
        capacity = self._z_buffer.shape[1]
        if self._used + count > capacity:
            keep = slice(self._used - HISTORY_TICKS, self._used)
            if HISTORY_TICKS + count > capacity:  # a block longer than the spare room
                capacity = HISTORY_TICKS + count
                self._z_buffer = _widened(self._z_buffer[:, keep], capacity)
                self._amplitude_buffer = _widened(self._amplitude_buffer[:, keep], capacity)
                self._deviation_buffer = _widened(self._deviation_buffer[:, keep], capacity)
                self._power_buffer = _widened(self._power_buffer[None, keep], capacity)[0]
            else:
                self._z_buffer[:, :HISTORY_TICKS] = self._z_buffer[:, keep]
                self._amplitude_buffer[:, :HISTORY_TICKS] = self._amplitude_buffer[:, keep]
                self._deviation_buffer[:, :HISTORY_TICKS] = self._deviation_buffer[:, keep]
                self._power_buffer[:HISTORY_TICKS] = self._power_buffer[keep]
            self._used = HISTORY_TICKS
        self._columns = slice(self._used - HISTORY_TICKS, self._used + count)
        self._used += count
        unmeasured = self._unmeasured  # blocks that left the history are never looked at
        while unmeasured and unmeasured[0][0].first + unmeasured[0][0].count <= self._first:
            unmeasured.popleft()

    @property
    def _z(self) -> NDArray[np.complex128]:
        return self._z_buffer[:, self._columns]

    @property
    def _amplitude(self) -> NDArray[np.float64]:
        return self._amplitude_buffer[:, self._columns]

    @property
    def _deviation(self) -> NDArray[np.float64]:
        return self._deviation_buffer[:, self._columns]

    @property
    def _power(self) -> NDArray[np.float64]:
        return self._power_buffer[self._columns]

    def _classify(self, ticks: Ticks, screened: Screened) -> NDArray[np.int64] | None:
        """Measure the new ticks (kept in the history arrays) and return the digit code
        (row·4 + column) each shows, or _NO_DIGIT; None when none shows a digit."""
        count = ticks.count
        if screened.quiet:
            self._unmeasured.append((ticks, None))
            return None
        possible = screened.possible
        shown_at = possible.nonzero()[0]
        z = screened.recent_z
        if z is None:
            z = self._z[:, -(count + RECENT_TICKS) :]
            if not shown_at.size:
                self._unmeasured.append((ticks, z.copy()))
                return None
        elif not shown_at.size:
            self._unmeasured.append((ticks, z))
            return None
        measured = screened.measured
        if measured is None:
            amplitude, deviation = self._measure(z, 2 * screened.magnitude)
            power = ticks.power_within(*purity_span(shown_at, count))
            codes, shown = digit_codes(possible, screened.strongest, amplitude, deviation, power)
            measured = Measured(amplitude, deviation, power, codes if shown else None)
        self._amplitude[:, -count:] = measured.amplitude
        self._deviation[:, -count:] = measured.deviation
        self._power[-count:] = measured.power
        return measured.codes

    def _measure(
        self, z: NDArray[np.complex128], raw: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        return measure(self._bank, z, raw)

    def _measure_deferred(self) -> None:
        """Measure the blocks whose measurements were left until needed, a run of
        consecutive blocks near a digit at once."""
        if not self._unmeasured:
            return
        run: list[tuple[Ticks, NDArray[np.complex128]]] = []
        for ticks, z in self._unmeasured:
            if run and (z is None or ticks.first != run[-1][0].first + run[-1][0].count):
                self._measure_run(run)
                run = []
            if z is not None:
                run.append((ticks, z))
                continue
            # Nothing near a digit: raw amplitudes, no deviation, unit power.
            skip = max(0, self._first - ticks.first)
            columns = slice(
                ticks.first + skip - self._first, ticks.first + ticks.count - self._first
            )
            self._amplitude[:, columns] = 2 * np.abs(ticks.z[:, skip:])
            self._deviation[:, columns] = 0.0
            self._power[columns] = 1.0
        if run:
            self._measure_run(run)
        self._unmeasured.clear()

    def _measure_run(self, run: list[tuple[Ticks, NDArray[np.complex128]]]) -> None:
        """Measure consecutive blocks, each given with z from the ticks before it."""
        blocks = [ticks for ticks, _ in run]
        z = np.concatenate([run[0][1], *(block.z for block in blocks[1:])], axis=1)
        raw = 2 * np.abs(np.concatenate([block.z for block in blocks], axis=1))
        first = blocks[0].first
        skip = max(0, self._first - first)
        columns = slice(first + skip - self._first, first + raw.shape[1] - self._first)
        amplitude, deviation = self._measure(z, raw)
        self._amplitude[:, columns] = amplitude[:, skip:]
        self._deviation[:, columns] = deviation[:, skip:]
        self._power[columns] = joined_power(blocks)[skip:]

    def _track(self, codes: NDArray[np.int64], first: int) -> list[DtmfEvent]:
        """Run the start/end decisions over the new ticks, one run of equal codes at a time."""
        events: list[DtmfEvent] = []
        change = (codes[1:] != codes[:-1]).nonzero()[0] + 1
        bounds = [0, *change.tolist(), codes.size]
        for begin, end in itertools.pairwise(bounds):
            code = int(codes[begin])
            tick, stop = first + begin, first + end
            qualified_at = self._qualify(code, tick, stop)
            earliest = tick
            if self._active != _NO_DIGIT:
                if code == self._active:
                    self._note_match(tick, stop)
                    continue
                end_tick = self._last_match + END_TICKS
                if end_tick >= stop:
                    continue
                ended = self._end(end_tick)
                if ended is not None:
                    events.append(ended)
                earliest = end_tick
            if qualified_at is not None:
                start_tick = max(earliest, qualified_at)
                events.append(self._start(code, start_tick))
                self._note_match(start_tick, stop)
        return events

    def _qualify(self, code: int, tick: int, stop: int) -> int | None:
        """Count a run of equal ticks towards a start; the first tick the digit may start at."""
        length = stop - tick
        if code == _NO_DIGIT:
            self._gap += length
            if self._gap > BRIDGED_GAP_TICKS:
                self._candidate, self._candidate_ticks = _NO_DIGIT, 0
            return None
        if code != self._candidate:
            self._candidate, self._candidate_ticks = code, 0
            self._candidate_first, self._candidate_onset = tick, None
            self._candidate_started = False
        before = self._candidate_ticks
        self._candidate_ticks += length
        self._gap = 0
        if self._candidate_started or self._candidate_ticks < START_TICKS:
            return None
        counted = tick + max(0, START_TICKS - before - 1)
        if self._candidate_onset is None:
            self._candidate_onset = self._onset(code, counted)
        # The first tick whose window centre lies MIN_HEARD_SAMPLES after the onset.
        heard = self._candidate_onset + MIN_HEARD_SAMPLES + self._delay + 1
        earliest = max(counted, -(-heard // TICK_SAMPLES) - 1)
        if earliest >= stop:
            return None
        # ... and over the START_TICKS up to it, steady frequencies and a pure core.
        self._measure_deferred()
        rows = _PAIR_ROWS[code]
        span = slice(earliest - START_TICKS + 1 - self._first, stop - self._first)
        windows = _windows(self._deviation[rows, span])
        drift = _largest(_largest(windows, axis=2) - _smallest(windows, axis=2), axis=0)
        tone_power = _total(self._amplitude[rows, span] ** 2, axis=0) / 2
        purity = tone_power / np.maximum(self._power[span], _TINY)
        core = _window_medians(purity)
        good = ((drift <= MAX_DRIFT) & (core >= MIN_CORE_PURITY)).nonzero()[0]
        return earliest + int(good[0]) if good.size else None

    def _channels(self, code: int) -> NDArray[np.float64]:
        """Corrected amplitudes of a digit's row and column tones over the kept ticks (a
        view: read it before the history moves)."""
        self._measure_deferred()
        return self._amplitude[_PAIR_ROWS[code]]

    def _note_match(self, tick: int, stop: int) -> None:
        # Matching ticks are always measured: no need to measure deferred ones.
        code = self._active
        pair = self._amplitude[_PAIR_ROWS[code], tick - self._first : stop - self._first]
        self._plateau = np.maximum(self._plateau, _largest(pair, axis=1))
        self._last_match = stop - 1

    @staticmethod
    def _tick_end(tick: int) -> int:
        return (tick + 1) * TICK_SAMPLES - 1

    def _crossing(self, envelope: NDArray[np.float64], before: int) -> float:
        """Sample where `envelope` (one value per kept tick) crosses HALF after tick `before`."""
        a, b = envelope[before - self._first : before + 2 - self._first].tolist()
        fraction = 0.0 if a == b else min(1.0, max(0.0, (HALF - a) / (b - a)))
        return self._tick_end(before) + fraction * TICK_SAMPLES

    def _onset(self, code: int, tick: int) -> int:
        """Sample where the digit's tones began: where both envelopes last rose through half
        their level at `tick`, less the analysers' delay."""
        pair = self._channels(code)
        envelope = _smallest(pair / pair[:, tick - self._first, None], axis=0)
        below = (envelope[: tick - self._first] < HALF).nonzero()[0]
        if below.size:
            edge = self._crossing(envelope, self._first + int(below[-1]))
        else:
            edge = float(self._tick_end(self._candidate_first))
        return max(0, round(edge) - self._delay)

    def _start(self, code: int, start_tick: int) -> DtmfEvent:
        self._active = code
        self._candidate_started = True
        self._active_start = self._candidate_onset or 0
        self._plateau = self._channels(code)[:, start_tick - self._first].copy()
        self._last_match = start_tick
        low, high = _levels(self._plateau)
        log.debug("DTMF %s started at sample %d", _digit(code), self._active_start)
        return DtmfEvent(
            _digit(code), self._active_start, None, self._tick_end(start_tick), low, high
        )

    def _end(self, end_tick: int) -> DtmfEvent | None:
        """End the digit in progress; its end event, unless only starts are reported."""
        code, self._active = self._active, _NO_DIGIT
        if not self.report_ends:
            return None
        envelope = _smallest(self._channels(code) / self._plateau[:, None], axis=0)
        after = envelope[self._last_match + 1 - self._first : end_tick + 1 - self._first]
        below = (after < HALF).nonzero()[0]
        if below.size:
            edge = self._crossing(envelope, self._last_match + int(below[0]))
        else:
            edge = float(self._tick_end(self._last_match))
        end_sample = max(self._active_start + 1, round(edge) - self._delay)
        low, high = _levels(self._plateau)
        log.debug("DTMF %s ended at sample %d", _digit(code), end_sample)
        return DtmfEvent(
            _digit(code), self._active_start, end_sample, self._tick_end(end_tick), low, high
        )


@cache
def _no_digits(count: int) -> NDArray[np.int64]:
    codes = np.full(count, _NO_DIGIT)
    codes.setflags(write=False)
    return codes


@cache
def tick_indices(count: int) -> NDArray[np.int64]:
    """0 … count − 1, shared by every caller (read-only)."""
    indices = np.arange(count)
    indices.setflags(write=False)
    return indices


def _windows(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """Every START_TICKS consecutive values along the last axis, as a read-only view
    (what sliding_window_view gives, without its cost)."""
    values = np.ascontiguousarray(values)
    step = values.strides[-1]
    windows = np.ndarray(
        (*values.shape[:-1], values.shape[-1] - START_TICKS + 1, START_TICKS),
        dtype=values.dtype,
        buffer=values,
        strides=(*values.strides[:-1], step, step),
    )
    windows.flags.writeable = False
    return windows


def _window_medians(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """Median of every START_TICKS consecutive values."""
    windows = _windows(values)
    if START_TICKS % 2:  # the middle element: what np.median gives, at a fraction of its cost
        ordered = windows.copy()
        ordered.partition(START_TICKS // 2, axis=1)
        return ordered[:, START_TICKS // 2]
    return np.median(windows, axis=1)


def _sorted(values: NDArray[np.float64], axis: int) -> NDArray[np.float64]:
    """np.sort without its wrapper's cost (the same copy, sorted in place)."""
    ordered = values.copy()
    ordered.sort(axis=axis)
    return ordered


def _widened(kept: NDArray, capacity: int) -> NDArray:
    """`kept` at the start of a new array of `capacity` columns."""
    wider = np.zeros((kept.shape[0], capacity), dtype=kept.dtype)
    wider[:, : kept.shape[1]] = kept
    return wider


def _angle(z: NDArray[np.complex128]) -> NDArray[np.float64]:
    """np.angle without its wrapper's cost (the same arctan2)."""
    return np.arctan2(z.imag, z.real)


def _levels(pair: NDArray[np.float64]) -> tuple[float, float]:
    """Reported tone levels, to 0.01 dB (finer digits depend on how blocks were split)."""
    low, high = pair.tolist()
    return round(amplitude_to_dbm0(low), 2), round(amplitude_to_dbm0(high), 2)


def _digit(code: int) -> str:
    return KEYPAD[code // 4][code % 4]


def decode(samples: ArrayLike) -> str:
    """All digits in a recording, in order (a digit still sounding at the end counts)."""
    receiver = DtmfReceiver()
    events = receiver.feed(samples) + receiver.flush()
    return "".join(event.digit for event in events if event.ended)
