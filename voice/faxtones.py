"""Fax and modem tone detector: CNG, and the 2100 Hz answer tone with its variants.

- CNG (calling fax): 1100 ±38 Hz, bursts of 0.5 s (±15 %) every 3 s.
- CED/ANS (answering fax or modem): 2100 ±15 Hz for seconds; ANSam adds a 15 Hz
  amplitude modulation of 20 %; ANS/ and ANSam/ reverse the phase every 450 ms.

An echo canceller must stand aside only for 2100 Hz *with phase reversals*, so that is a
separate flag on the events. Both tones are detected from −43 dBm0 and rejected at −44 dBm0:
each tick only decides whether a tone is present (a loose floor), and the level that counts
is the mean over the whole burst or MIN_ANSWER_MS of answer tone, which is accurate to a
few hundredths of a dB.

Narrow-band analysers (voice.tones.bank, 25 ms Hann window every 5 ms) give each tone's
amplitude, frequency error and share of the band's power; speech and music rarely hold a
pure tone at these frequencies for the required time.
"""

from __future__ import annotations

import cmath
import itertools
import logging
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from voice.level import SAMPLE_RATE_HZ, dbm0_to_power, power_to_dbm0
from voice.tones.bank import ToneBank

log = logging.getLogger(__name__)

CNG_HZ = 1100.0
CNG_TOLERANCE_HZ = 38.0
ANSWER_HZ = 2100.0
ANSWER_TOLERANCE_HZ = 15.0
FREQUENCY_MARGIN_HZ = 3.0  # measurement allowance on top of the tolerances
TICK_SAMPLES = 40  # 5 ms
WINDOW_SAMPLES = 200  # 25 ms: passes the 15 Hz modulation, resolves a reversal
REFERENCE_BAND_HZ = (300.0, 3400.0)
MIN_PURITY = 0.8
PRESENCE_FLOOR_DBM0 = -50.0  # per tick: is anything there at all
THRESHOLD_DBM0 = -43.5  # mean level of a burst or answer tone: detect −43, reject −44
FREQUENCY_SMOOTHING_TICKS = 4
MAX_GAIN_CORRECTION = 4.0
CNG_MIN_MS, CNG_MAX_MS = 425 - 20, 575 + 20  # 0.5 s ±15 %, plus the edges' blur
CNG_GLITCH_MS = 20
ANSWER_GLITCH_MS = 60  # a phase reversal blanks the analyser for about one window
MIN_ANSWER_MS = 400
AM_HZ = 15.0
AM_WINDOW_MS = 200  # three periods of the modulation
MIN_AM_DEPTH = 0.1  # ANSam is modulated 20 %, plain answer tone not at all
REVERSAL_MIN_RAD = 2 * np.pi / 3
HISTORY_TICKS = 64
BATCH_SAMPLES = 800  # analyse 100 ms at a time: cheaper, and well within what callers need
EDGE_TICKS = 3  # ticks at each end of a burst left out of its level (window blur)
# A tick shows a tone once it fills most of the window: presence starts this late.
PRESENCE_DELAY_SAMPLES = 64

_CNG, _ANSWER = 0, 1


@dataclass(frozen=True)
class FaxToneEvent:
    """A fax or modem tone was recognised, changed description, or ended.

    `tone` is "cng", "ans" or "ansam"; `phase_reversals` tells an echo canceller to stand
    aside. `sample` is where the tone began (or ended, when `active` is False) and
    `detected_sample` when the detector decided, both from the detector's first sample.
    """

    tone: str
    active: bool
    phase_reversals: bool
    sample: int
    detected_sample: int
    level_dbm0: float
    frequency_hz: float
    sample_rate: int = SAMPLE_RATE_HZ

    @property
    def time_ms(self) -> float:
        return self.sample * 1000 / self.sample_rate


class FaxToneDetector:
    """Detects CNG and the 2100 Hz answer tone (ANS, ANSam, with or without reversals)."""

    def __init__(self, sample_rate: int = SAMPLE_RATE_HZ) -> None:
        if sample_rate != SAMPLE_RATE_HZ:
            raise ValueError(
                f"the fax tone detector works at {SAMPLE_RATE_HZ} Hz, not {sample_rate}"
            )
        self.sample_rate = sample_rate
        self._bank = ToneBank(
            (CNG_HZ, ANSWER_HZ), WINDOW_SAMPLES, TICK_SAMPLES, reference_band_hz=REFERENCE_BAND_HZ
        )
        self.reset()

    def reset(self) -> None:
        self._bank.restart()
        self._tick_ms = TICK_SAMPLES * 1000 / self.sample_rate
        self._z = np.zeros((2, HISTORY_TICKS), dtype=np.complex128)
        self._power = np.zeros((2, HISTORY_TICKS))  # tone power (corrected) per tick
        self._offset = np.zeros((2, HISTORY_TICKS))  # frequency error, Hz
        self._first = -HISTORY_TICKS
        # Per tone: current presence run (start tick or None), last present tick, sums.
        self._run_start: list[int | None] = [None, None]
        self._last_on = [0, 0]
        self._sums = [np.zeros(3), np.zeros(3)]  # ticks, Σ power, Σ offset (core ticks)
        self._answer: dict[str, bool] = {}  # recognised answer tone: {"ansam":…, "reversals":…}
        self._last_reversal: int | None = None
        self._pending: list[NDArray[np.float64]] = []
        self._pending_samples = 0

    def feed(self, samples: ArrayLike) -> list[FaxToneEvent]:
        """Take a block of int16 audio (any length); return the fax tone events it completed.

        Audio is analysed once BATCH_SAMPLES have gathered (events keep their exact sample
        positions); `flush()` analyses what is left.
        """
        self._pending.append(np.asarray(samples, dtype=np.float64).ravel())
        self._pending_samples += self._pending[-1].size
        if self._pending_samples < BATCH_SAMPLES:
            return []
        return self.flush()

    def flush(self) -> list[FaxToneEvent]:
        """Analyse the audio gathered so far."""
        block = np.concatenate(self._pending) if self._pending else np.zeros(0)
        self._pending, self._pending_samples = [], 0
        ticks = self._bank.process(block)
        count = ticks.count
        if count == 0:
            return []
        self._first = ticks.first - HISTORY_TICKS
        z = np.concatenate((self._z, ticks.z), axis=1)
        turn = np.cumsum(z[:, 1:] * np.conj(z[:, :-1]), axis=1)
        smoothed = (turn[:, FREQUENCY_SMOOTHING_TICKS:] - turn[:, :-FREQUENCY_SMOOTHING_TICKS])[
            :, -count:
        ]
        offset = np.angle(smoothed) / (2 * np.pi * self._bank.tick_s)
        gain = np.maximum(self._bank.gain(offset), 1 / MAX_GAIN_CORRECTION)
        power = 2 * (np.abs(ticks.z) / gain) ** 2  # mean square of each tone
        self._z = z
        self._power = np.concatenate((self._power, power), axis=1)
        self._offset = np.concatenate((self._offset, offset), axis=1)
        tolerance = np.array([[CNG_TOLERANCE_HZ], [ANSWER_TOLERANCE_HZ]]) + FREQUENCY_MARGIN_HZ
        present = (
            (power >= dbm0_to_power(PRESENCE_FLOOR_DBM0))
            & (np.abs(offset) <= tolerance)
            & (power >= MIN_PURITY * ticks.power[None, :])
        )
        events: list[FaxToneEvent] = []
        for tone, glitch_ms in ((_CNG, CNG_GLITCH_MS), (_ANSWER, ANSWER_GLITCH_MS)):
            events += self._follow(
                tone, present[tone], ticks.first, round(glitch_ms / self._tick_ms)
            )
        self._z = self._z[:, -HISTORY_TICKS:]
        self._power = self._power[:, -HISTORY_TICKS:]
        self._offset = self._offset[:, -HISTORY_TICKS:]
        events.sort(key=lambda event: event.detected_sample)
        return events

    # Presence runs.

    def _follow(self, tone: int, present: NDArray[np.bool_], first: int, glitch: int) -> list:
        events: list[FaxToneEvent] = []
        change = np.flatnonzero(np.diff(present.astype(np.int8))) + 1
        bounds = np.concatenate(([0], change, [present.size]))
        for begin, end in itertools.pairwise(bounds):
            tick, stop = first + int(begin), first + int(end)
            if present[begin]:
                if self._run_start[tone] is None:
                    self._run_start[tone] = tick
                    self._sums[tone] = np.zeros(3)
                self._last_on[tone] = stop - 1
                if tone == _ANSWER:
                    events += self._answer_progress(tick, stop)
                else:
                    self._accumulate(tone, tick, stop)
            elif self._run_start[tone] is not None and stop - 1 - self._last_on[tone] >= glitch:
                ended_at = self._last_on[tone] + glitch
                events += self._run_ended(tone, ended_at)
                self._run_start[tone] = None
        return events

    def _accumulate(self, tone: int, tick: int, stop: int) -> None:
        """Add the run's settled ticks (EDGE_TICKS after its start) to its level sums."""
        start = self._run_start[tone]
        assert start is not None
        begin = max(tick, start + EDGE_TICKS)
        if begin >= stop:
            return
        index = slice(begin - self._first, stop - self._first)
        self._sums[tone] += (
            stop - begin,
            self._power[tone, index].sum(),
            self._offset[tone, index].sum(),
        )

    def _mean(self, tone: int, exclude_last: int = 0) -> tuple[float, float]:
        """Mean level (dBm0) and frequency (Hz) of the run's settled ticks."""
        ticks, power, offset = self._sums[tone]
        if exclude_last:
            index = slice(
                self._last_on[tone] + 1 - exclude_last - self._first,
                self._last_on[tone] + 1 - self._first,
            )
            ticks -= exclude_last
            power -= self._power[tone, index].sum()
            offset -= self._offset[tone, index].sum()
        if ticks <= 0:
            return float(power_to_dbm0(0.0)), CNG_HZ if tone == _CNG else ANSWER_HZ
        nominal = CNG_HZ if tone == _CNG else ANSWER_HZ
        return float(power_to_dbm0(power / ticks)), nominal + offset / ticks

    def _run_ended(self, tone: int, at: int) -> list[FaxToneEvent]:
        start = self._run_start[tone]
        assert start is not None
        length_ms = (self._last_on[tone] + 1 - start) * self._tick_ms + (
            PRESENCE_DELAY_SAMPLES * 1000 / self.sample_rate
        )
        level, frequency = self._mean(tone, exclude_last=EDGE_TICKS)
        if tone == _CNG:
            if CNG_MIN_MS <= length_ms <= CNG_MAX_MS and level >= THRESHOLD_DBM0:
                log.info("CNG detected at %.1f dBm0, %.0f Hz", level, frequency)
                return [self._event("cng", True, False, start, at, level, frequency, begins=True)]
            return []
        if not self._answer:
            return []
        recognised = self._answer
        self._answer = {}
        self._last_reversal = None
        end = self._last_on[tone] + 1
        return [
            self._event(
                "ansam" if recognised["ansam"] else "ans",
                False,
                recognised["reversals"],
                end,
                at,
                level,
                frequency,
            )
        ]

    # The answer tone's description.

    def _answer_progress(self, tick: int, stop: int) -> list[FaxToneEvent]:
        """Follow the answer tone tick by tick (it is rare and short): its level sums, phase
        reversals, and the moments it is recognised or its description grows."""
        start = self._run_start[_ANSWER]
        assert start is not None
        minimum = round(MIN_ANSWER_MS / self._tick_ms)
        events: list[FaxToneEvent] = []
        for now in range(tick, stop):
            self._accumulate(_ANSWER, now, now + 1)
            if now - start >= minimum // 2 and self._reversal_at(now):
                self._last_reversal = now
            complete = self._answer.get("ansam", False) and self._answer.get("reversals", False)
            if now - start + 1 < minimum or complete:
                continue
            level, frequency = self._mean(_ANSWER)
            if level < THRESHOLD_DBM0:
                continue
            described = {
                "ansam": self._modulated(now),
                "reversals": self._last_reversal is not None,
            }
            if self._answer and not _upgrade(self._answer, described):
                continue
            self._answer = {
                key: self._answer.get(key, False) or value for key, value in described.items()
            }
            name = "ansam" if self._answer["ansam"] else "ans"
            log.info("%s detected (phase reversals: %s)", name, self._answer["reversals"])
            events.append(
                self._event(
                    name, True, self._answer["reversals"], start, now, level, frequency, begins=True
                )
            )
        return events

    def _reversal_at(self, now: int) -> bool:
        """Whether the phase at tick `now` is about π from one window earlier, allowing for
        the measured frequency error, with the tone strong at both ends."""
        lag = WINDOW_SAMPLES // TICK_SAMPLES
        here, before = now - self._first, now - lag - self._first
        if before < 0:
            return False
        current, earlier = complex(self._z[1, here]), complex(self._z[1, before])
        turn = cmath.exp(2j * math.pi * float(self._offset[1, before]) * lag * self._bank.tick_s)
        jump = abs(cmath.phase(current * earlier.conjugate() / turn))
        typical = float(np.median(np.abs(self._z[1, max(0, before - lag) : here + 1])))
        return jump >= REVERSAL_MIN_RAD and min(abs(current), abs(earlier)) >= 0.5 * typical

    def _modulated(self, at: int) -> bool:
        """Whether the answer tone's envelope carries the 15 Hz modulation of ANSam."""
        span = round(AM_WINDOW_MS / self._tick_ms)
        envelope = np.abs(self._z[1, at + 1 - span - self._first : at + 1 - self._first])
        if envelope.size < span or envelope.min() < 0.6 * envelope.mean():
            return False  # a reversal's dip is not modulation
        t = np.arange(span) * self._bank.tick_s
        component = np.abs(np.sum((envelope - envelope.mean()) * np.exp(-2j * np.pi * AM_HZ * t)))
        depth = 2 * component / span / envelope.mean()
        return bool(depth >= MIN_AM_DEPTH)

    def _event(
        self,
        tone: str,
        active: bool,
        reversals: bool,
        tick: int,
        at: int,
        level: float,
        frequency: float,
        begins: bool = False,
    ) -> FaxToneEvent:
        # An edge lies at the centre of the window of the tick where presence changed; a
        # tone's start shows PRESENCE_DELAY_SAMPLES late.
        delay = PRESENCE_DELAY_SAMPLES if begins else 0
        sample = max(0, (tick + 1) * TICK_SAMPLES - WINDOW_SAMPLES // 2 - delay)
        return FaxToneEvent(
            tone,
            active,
            reversals,
            sample,
            (at + 1) * TICK_SAMPLES,
            round(level, 2),
            round(frequency, 1),
        )


def _upgrade(old: dict[str, bool], new: dict[str, bool]) -> bool:
    """True when `new` adds something (modulation or reversals) to what was reported."""
    return any(new[key] and not old.get(key, False) for key in new)
