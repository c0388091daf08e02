"""An ear on one direction of a simulated line: a rolling recording plus what tests ask of it.

The virtual phone's earpiece and the virtual exchange's far end both use it. Audio is kept
for the last 32 s with absolute sample indices, so questions are answered in virtual time:
what was heard in the last seconds, how loud one frequency was, when a frequency first
arrived after a given moment.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from drivers.frames import SAMPLE_RATE_HZ
from drivers.sim.world.analysis import Hearing, component_level_dbm0, listen, onset_index
from drivers.sim.world.signals import ToneSpecLike
from drivers.sim.world.timeline import Recording, sample_index, sample_time

RECORDING_S = 32.0
DEFAULT_ONSET_DBM0 = -40.0


class Ear:
    """Records one direction of audio and analyses it on demand."""

    def __init__(self, tones: Mapping[str, ToneSpecLike]) -> None:
        self.tones = dict(tones)
        self.recording = Recording(RECORDING_S)
        self.listening_since: int | None = None  # start of the current listening period

    def start_listening(self, index: int) -> None:
        """A new listening period begins (the handset was lifted, the line seized)."""
        self.listening_since = index

    def hear(self, start: int, samples: np.ndarray) -> None:
        if self.listening_since is None:
            self.listening_since = start
        self.recording.write(start, samples)

    def last(self, seconds: float) -> tuple[int, np.ndarray]:
        """(absolute start index, samples) of the last `seconds` of this listening period."""
        end = self.recording.end
        if end is None:
            return 0, np.zeros(0, dtype=np.int16)
        start = end - round(seconds * SAMPLE_RATE_HZ)
        if self.listening_since is not None:
            start = max(start, self.listening_since)
        return start, self.recording.read(start, end)

    def samples(self, seconds: float) -> np.ndarray:
        return self.last(seconds)[1]

    def hears(self, seconds: float = 1.0) -> Hearing:
        return listen(self.samples(seconds), self.tones)

    def level_at(self, frequency_hz: float, seconds: float = 1.0) -> float:
        return component_level_dbm0(self.samples(seconds), frequency_hz)

    def first_heard(
        self, frequency_hz: float, after: float, threshold_dbm0: float = DEFAULT_ONSET_DBM0
    ) -> float | None:
        """Virtual time at which the component was first recognisable (≥ threshold in a
        10 ms window) after `after`, or None if it has not been heard since."""
        start = sample_index(after)
        end = self.recording.end
        if end is None or end <= start:
            return None
        oldest = self.recording.oldest or start
        start = max(start, oldest)
        found = onset_index(self.recording.read(start, end), frequency_hz, threshold_dbm0)
        return None if found is None else sample_time(start + found)


class Listener:
    """What a party can be asked about the audio reaching its ear (kept in `_ear`)."""

    _ear: Ear

    def earpiece(self, seconds: float = 1.0) -> np.ndarray:
        """The last `seconds` of audio heard during the current listening period."""
        return self._ear.samples(seconds)

    def heard_since(self, index: int | None, max_seconds: float = 2.0) -> tuple[int, np.ndarray]:
        """(start index, samples) heard from absolute sample `index` on, at most the last
        `max_seconds`: for streaming the audio elsewhere piece by piece."""
        recording = self._ear.recording
        end, oldest = recording.end, recording.oldest
        if end is None or oldest is None:
            return 0 if index is None else index, np.zeros(0, dtype=np.int16)
        start = max(oldest, end - round(max_seconds * SAMPLE_RATE_HZ))
        if index is not None and index > start:
            start = min(index, end)
        return start, recording.read(start, end)

    def hears(self, seconds: float = 1.0) -> Hearing:
        """Dominant frequencies, levels and the recognised tone of the last `seconds`."""
        return self._ear.hears(seconds)

    def level_at(self, freq_hz: float, seconds: float = 1.0) -> float:
        """Level (dBm0) of the component at `freq_hz` over the last `seconds`."""
        return self._ear.level_at(freq_hz, seconds)

    def first_heard(
        self, freq_hz: float, after: float, threshold_dbm0: float = DEFAULT_ONSET_DBM0
    ) -> float | None:
        """Virtual time the component at `freq_hz` was first heard after `after`."""
        return self._ear.first_heard(freq_hz, after, threshold_dbm0)
