"""Things a channel can hear besides another party: prompts, music on hold, tones."""

from __future__ import annotations

import wave
from collections.abc import Callable
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

from firmware.engine.media import FRAME_SAMPLES, SAMPLE_RATE

PROMPT_PACKAGE = "voice"
PROMPT_DIR = "prompts"
HOLD_MUSIC = "music/hold.wav"


class SampleSource:
    """Plays a buffer of samples once (then silence) or in a loop."""

    def __init__(
        self,
        samples: np.ndarray,
        *,
        loop: bool = False,
        on_finished: Callable[[], None] | None = None,
    ) -> None:
        self._samples = samples.astype(np.int16, copy=False)
        self._position = 0
        self._loop = loop
        self._on_finished = on_finished
        self.finished = len(samples) == 0

    def next_frame(self) -> np.ndarray:
        frame = np.zeros(FRAME_SAMPLES, dtype=np.int16)
        filled = 0
        while filled < FRAME_SAMPLES and not self.finished:
            chunk = self._samples[self._position : self._position + FRAME_SAMPLES - filled]
            frame[filled : filled + len(chunk)] = chunk
            filled += len(chunk)
            self._position += len(chunk)
            if self._position >= len(self._samples):
                if self._loop:
                    self._position = 0
                else:
                    self.finished = True
                    if self._on_finished is not None:
                        self._on_finished()
        return frame


def read_wav(path: Path) -> np.ndarray:
    """8 kHz mono 16-bit WAV samples; other formats are refused with the reason."""
    with wave.open(str(path), "rb") as reader:
        if (reader.getframerate(), reader.getnchannels(), reader.getsampwidth()) != (
            SAMPLE_RATE,
            1,
            2,
        ):
            raise ValueError(f"{path}: prompts must be 8 kHz mono 16-bit WAV")
        return np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2").astype(np.int16)


@cache
def prompt(name: str, language: str) -> np.ndarray:
    """A spoken prompt in `language`, falling back to English when it is missing."""
    base = resources.files(PROMPT_PACKAGE) / PROMPT_DIR
    for candidate in (language, "en"):
        path = base / candidate / f"{name}.wav"
        if path.is_file():
            with resources.as_file(path) as real_path:
                return read_wav(real_path)
    raise FileNotFoundError(f"no prompt {name!r} for {language!r} or English")


@cache
def hold_music() -> np.ndarray:
    with resources.as_file(resources.files(PROMPT_PACKAGE) / PROMPT_DIR / HOLD_MUSIC) as path:
        return read_wav(path)
