"""What a virtual party speaks into the line: tones, sample buffers, keyed DTMF.

Rendered on demand at absolute sample indices (see `timeline`). While DTMF is being keyed
the voice path is muted, as telephones mute their transmitter during a key press.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias

import numpy as np

from drivers.sim.world.levels import to_int16
from drivers.sim.world.signals import sines
from drivers.sim.world.timeline import ClipMixer

Utterance: TypeAlias = float | int | tuple[float, float] | Sequence[float] | np.ndarray | None


class Mouth:
    """A source of audio for one party."""

    def __init__(self) -> None:
        self._tone: tuple[tuple[float, ...], float] | None = None
        self._speech = ClipMixer()
        self._keys = ClipMixer()

    def say(self, what: Utterance, level_dbm0: float, start: int) -> None:
        """Replace what is being said from absolute index `start` on."""
        self._tone = None
        self._speech.clear()
        if what is None:
            return
        if isinstance(what, np.ndarray) and what.dtype.kind in "iu" and what.ndim == 1:
            self._speech.add(start, what.astype(np.float64))
            return
        frequencies = (float(what),) if isinstance(what, int | float) else tuple(map(float, what))
        if not 1 <= len(frequencies) <= 4 or any(not 0 < f < 4000 for f in frequencies):
            raise ValueError(
                f"say() takes a frequency, up to four frequencies below 4000 Hz, int16 "
                f"samples or None; got {what!r}"
            )
        self._tone = (frequencies, level_dbm0)

    def key(self, start: int, audio: np.ndarray) -> None:
        """Send keypad tones from absolute index `start`."""
        self._keys.add(start, audio)

    def silence(self) -> None:
        self._tone = None
        self._speech.clear()
        self._keys.clear()

    def render(self, start: int, count: int) -> np.ndarray:
        voice = np.zeros(count)
        if self._tone is not None:
            voice += sines(self._tone[0], self._tone[1], start, count)
        self._speech.mix_into(voice, start)
        if self._keys.clips:
            keyed = self._keys.active_mask(start, count)
            voice[keyed] = 0.0
            self._keys.mix_into(voice, start)
        return to_int16(voice)
