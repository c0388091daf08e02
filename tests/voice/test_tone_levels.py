"""The level history early tone recognition judges pauses by keeps exactly its last ticks."""

import numpy as np

from voice.tones.cadence import LEVEL_HISTORY_TICKS, Levels


class NaiveLevels:
    """The plain definition: all ticks since the last gap, the last LEVEL_HISTORY_TICKS count."""

    def __init__(self):
        self.first, self.tone, self.band = 0, np.zeros(0), np.zeros(0)

    def add(self, first, tone, band):
        if self.tone.size and self.first + self.tone.size != first:
            self.tone, self.band = np.zeros(0), np.zeros(0)
        if not self.tone.size:
            self.first = first
        self.tone = np.concatenate((self.tone, tone))[-LEVEL_HISTORY_TICKS:]
        self.band = np.concatenate((self.band, band))[-LEVEL_HISTORY_TICKS:]
        self.first = first + tone.size - self.tone.size

    def tone_mean(self, start, stop):
        values = self.tone[max(0, start - self.first) : max(0, stop - self.first)]
        return float(values.mean()) if values.size else 0.0

    def band_max(self, start, stop):
        values = self.band[max(0, start - self.first) : max(0, stop - self.first)]
        return float(values.max()) if values.size else 0.0


def test_levels_match_the_plain_definition_across_buffer_moves_gaps_and_long_blocks():
    rng = np.random.default_rng(5)
    levels, naive = Levels(), NaiveLevels()
    tick = 0
    for step in range(400):
        count = int(rng.choice([1, 4, 10, 37, 600]))
        if step % 97 == 96:
            tick += 3  # a gap: both start again
        tone, band = rng.random(count), rng.random(count)
        levels.add(tick, tone, band)
        naive.add(tick, tone, band)
        tick += count
        for _ in range(5):
            start = tick - int(rng.integers(0, 2 * LEVEL_HISTORY_TICKS))
            stop = start + int(rng.integers(0, LEVEL_HISTORY_TICKS))
            assert levels.tone_mean(start, stop) == naive.tone_mean(start, stop)
            assert levels.band_max(start, stop) == naive.band_max(start, stop)
