"""Recorded human speech for echo canceller tests: Debian's asterisk-core-sounds prompts.

The English prompts (a woman's voice) play the far end, what we send to the line; the
Russian prompts (another speaker) play the person on the line in double talk. Each prompt's
leading and trailing silence is cut and prompts follow each other with a short pause, as a
talker would, so speech starts at once.
"""

from __future__ import annotations

import numpy as np
import pytest

from bench.corpus import CorpusMissing, talker

FS = 8000
DBM0_POWER = (32768 * 10 ** (-3.14 / 20)) ** 2 / 2


def _talk(language: str, seconds: float, skip: int) -> np.ndarray:
    try:
        return talker(language, seconds, skip).astype(np.float64)
    except CorpusMissing as missing:
        pytest.skip(str(missing))


def talk(language: str, seconds: float, dbm0: float, skip: int = 0) -> np.ndarray:
    """`seconds` of recorded speech, its active part (frames within 30 dB of the loudest)
    at `dbm0`, rounded to int16 values."""
    speech = _talk(language, seconds, skip)
    frames = speech[: speech.size // 160 * 160].reshape(-1, 160)
    power = np.mean(frames**2, axis=1)
    active = power > power.max() * 1e-3
    scale = np.sqrt(DBM0_POWER * 10 ** (dbm0 / 10) / power[active].mean())
    return np.round(speech * scale)
