"""The prompts operations play: the built-in set per language, or a user's own greeting.

Built-in prompts are 8 kHz mono WAV files in `voice/prompts/<language>/` generated from
`voice/prompts/texts.tsv` at build time. A file of the same name in the greetings directory
(uploaded by the user, already converted) replaces the built-in one in every language.
"""

from __future__ import annotations

import wave
from importlib import resources
from pathlib import Path

import numpy as np

from drivers.frames import SAMPLE_RATE_HZ as SAMPLE_RATE

FALLBACK_LANGUAGE = "en"


class PromptMissing(LookupError):
    pass


class PromptLibrary:
    def __init__(self, greetings_dir: Path | None = None) -> None:
        self.greetings_dir = greetings_dir
        self._cache: dict[tuple[str, str], np.ndarray] = {}
        self._names: dict[int, str] = {}

    def get(self, name: str, language: str) -> np.ndarray:
        """The prompt `name` in `language` (English when that language lacks it)."""
        key = (name, language)
        audio = self._cache.get(key)
        if audio is None:
            audio = read_wav(self._find(name, language))
            self._cache[key] = audio
            self._names[id(audio)] = name
        return audio

    def name_of(self, audio: np.ndarray) -> str:
        """Which prompt this audio is (for logs and tests); empty if it is none of ours."""
        return self._names.get(id(audio), "")

    def silence(self, seconds: float) -> np.ndarray:
        key = (f"silence-{seconds}", "")
        audio = self._cache.get(key)
        if audio is None:
            audio = np.zeros(int(seconds * SAMPLE_RATE), dtype=np.int16)
            self._cache[key] = audio
            self._names[id(audio)] = "silence"
        return audio

    def _find(self, name: str, language: str) -> Path:
        if "/" in name or name.startswith("."):
            raise PromptMissing(f"{name!r} is not a prompt name")
        if self.greetings_dir is not None:
            uploaded = self.greetings_dir / f"{name}.wav"
            if uploaded.is_file():
                return uploaded
        base = resources.files("voice") / "prompts"
        for candidate in (language, FALLBACK_LANGUAGE):
            path = base / candidate / f"{name}.wav"
            if path.is_file():
                return Path(str(path))
        raise PromptMissing(f"no prompt {name!r} in {language!r} or {FALLBACK_LANGUAGE!r}")


def read_wav(path: Path) -> np.ndarray:
    """Samples of an 8 kHz mono 16-bit WAV file; other formats are refused with the reason."""
    try:
        with wave.open(str(path), "rb") as reader:
            shape = (reader.getframerate(), reader.getnchannels(), reader.getsampwidth())
            if shape != (SAMPLE_RATE, 1, 2):
                raise PromptMissing(f"{path}: prompts must be 8 kHz mono 16-bit WAV")
            frames = reader.readframes(reader.getnframes())
    except (OSError, EOFError, wave.Error) as error:
        raise PromptMissing(f"{path}: not a readable WAV file ({error})") from None
    return np.frombuffer(frames, dtype="<i2").astype(np.int16)
