"""A greeting (or a name) recorded by phone: the caller's frames kept in memory.

A greeting is short (a minute at most), so it is held in memory and written once the user
keeps it. The tap runs in the media tick: it only copies the frame and measures its level.
"""

from __future__ import annotations

import numpy as np

from drivers.frames import SAMPLE_RATE_HZ
from voice.level import dbm0_to_power

SILENCE_DBM0 = -45.0  # quieter frames are silence
TRIM_KEEP_S = 0.2  # of trailing silence, so the greeting does not end abruptly
_SILENCE_POWER = dbm0_to_power(SILENCE_DBM0)


class GreetingTap:
    def __init__(self, *, max_s: float, silence_end_s: float) -> None:
        self.max_samples = int(max_s * SAMPLE_RATE_HZ)
        self.silence_end_samples = int(silence_end_s * SAMPLE_RATE_HZ)
        self._frames: list[np.ndarray] = []
        self.samples = 0
        self.last_sound_sample = 0
        self.heard_sound = False

    @property
    def full(self) -> bool:
        """Long enough, or silent long enough after the user spoke."""
        if self.samples >= self.max_samples:
            return True
        quiet = self.samples - self.last_sound_sample
        return self.heard_sound and quiet >= self.silence_end_samples

    def frame(self, caller: np.ndarray, other: np.ndarray | None) -> None:
        if self.samples >= self.max_samples:
            return None
        frame = np.array(caller[: self.max_samples - self.samples], dtype=np.int16)
        self._frames.append(frame)
        self.samples += len(frame)
        power = float(np.dot(frame, frame.astype(np.float64)))
        if len(frame) and power > _SILENCE_POWER * len(frame):
            self.last_sound_sample = self.samples
            self.heard_sound = True
        return None

    def audio(self) -> np.ndarray:
        """What was said, trailing silence trimmed; empty when nothing was."""
        if not self.heard_sound:
            return np.zeros(0, dtype=np.int16)
        joined = np.concatenate(self._frames)
        keep = min(len(joined), self.last_sound_sample + int(TRIM_KEEP_S * SAMPLE_RATE_HZ))
        return joined[:keep]
