"""The media tap of a recorded call: both parties mixed into one signal for the recorder.

The tap is added the moment the call is answered, before the recording's file exists (that
takes a trip to the disk); frames heard meanwhile are kept and handed over once it does, so
the recording starts with the first word. It runs in the media tick: sums, clips, copies.
"""

from __future__ import annotations

import numpy as np

from firmware.voicemail.recorder import Recorder

INT16_MIN, INT16_MAX = -32768, 32767


def mix(caller: np.ndarray, other: np.ndarray | None) -> np.ndarray:
    """The two parties as one would hear them on an extension of the conversation."""
    if other is None:
        return np.array(caller, dtype=np.int16)
    summed = caller.astype(np.int32) + other.astype(np.int32)
    return np.clip(summed, INT16_MIN, INT16_MAX).astype(np.int16)


class MixingTap:
    def __init__(self) -> None:
        self.recorder: Recorder | None = None
        self._waiting: list[np.ndarray] = []
        self.full = False  # the recording reached its maximum length

    def attach(self, recorder: Recorder) -> None:
        """The recording's file is ready: what was heard so far goes in first."""
        self.recorder = recorder
        for frame in self._waiting:
            self._feed(frame)
        self._waiting.clear()

    def frame(self, caller: np.ndarray, other: np.ndarray | None) -> None:
        mixed = mix(caller, other)
        if self.recorder is None:
            self._waiting.append(mixed)
        else:
            self._feed(mixed)
        return None

    def _feed(self, frame: np.ndarray) -> None:
        assert self.recorder is not None
        if not self.full and not self.recorder.feed(frame):
            self.full = True
