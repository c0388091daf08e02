"""Recorded human speech for echo canceller tests: Debian's asterisk-core-sounds prompts.

The English prompts (a woman's voice) play the far end, what we send to the line; the
Russian prompts (another speaker) play the person on the line in double talk. Each prompt's
leading and trailing silence is cut and prompts follow each other with a short pause, as a
talker would, so speech starts at once.
"""

from __future__ import annotations

import wave
from functools import cache
from pathlib import Path

import numpy as np
import pytest

SOUNDS = Path("/usr/share/asterisk/sounds")
VOICES = {
    "en": ("en_US_f_Allison", "en", "asterisk-core-sounds-en-wav"),
    "ru": ("ru_RU_f_IvrvoiceRU", "ru", "asterisk-core-sounds-ru-wav"),
}
FS = 8000
DBM0_POWER = (32768 * 10 ** (-3.14 / 20)) ** 2 / 2
PAUSE_S = 0.15
SILENCE_PEAK = 300  # below this a prompt's edge is silence


def voice_directory(language: str) -> Path:
    """Where the package puts the prompts (the voice's own name, or the language link)."""
    *names, package = VOICES[language]
    for name in names:
        if (SOUNDS / name).is_dir():
            return SOUNDS / name
    pytest.skip(f"{package} is not installed (make test installs it)")


def read_prompt(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as recording:
        assert recording.getframerate() == FS and recording.getsampwidth() == 2, path
        pcm = np.frombuffer(recording.readframes(recording.getnframes()), dtype="<i2")
    loud = np.flatnonzero(np.abs(pcm) > SILENCE_PEAK)
    if loud.size == 0:
        return np.zeros(0)
    return pcm[loud[0] : loud[-1] + 1].astype(np.float64)


@cache
def _talk(language: str, seconds: float, skip: int) -> np.ndarray:
    directory = voice_directory(language)
    pause = np.zeros(round(PAUSE_S * FS))
    pieces: list[np.ndarray] = []
    total = 0
    for path in sorted(directory.glob("*.wav"))[skip:]:
        prompt = read_prompt(path)
        if prompt.size < FS // 2:
            continue
        pieces += [prompt, pause]
        total += prompt.size + pause.size
        if total >= seconds * FS:
            break
    return np.concatenate(pieces)[: round(seconds * FS)]


def talk(language: str, seconds: float, dbm0: float, skip: int = 0) -> np.ndarray:
    """`seconds` of recorded speech, its active part (frames within 30 dB of the loudest)
    at `dbm0`, rounded to int16 values."""
    speech = _talk(language, seconds, skip)
    frames = speech[: speech.size // 160 * 160].reshape(-1, 160)
    power = np.mean(frames**2, axis=1)
    active = power > power.max() * 1e-3
    scale = np.sqrt(DBM0_POWER * 10 ** (dbm0 / 10) / power[active].mean())
    return np.round(speech * scale)
