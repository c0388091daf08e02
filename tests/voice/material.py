"""Speech and music for the "must not react to this" tests: espeak-ng speech synthesised into
a temporary WAV, and an excerpt of a Debian music-on-hold track."""

from __future__ import annotations

import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest
from scipy.signal import resample_poly

MUSIC_DIR = Path("/usr/share/asterisk/moh")
SENTENCES = {
    "en": "Hello, this is the front desk. Please hold while we connect your call to sales.",
    "ru": "Здравствуйте, вы позвонили в приёмную. Пожалуйста, оставайтесь на линии.",
    "uk": "Добрий день, ви зателефонували до приймальні. Будь ласка, залишайтеся на лінії.",
}


def read_wav_8k(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as wav:
        rate = wav.getframerate()
        data = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(float)
        data = data.reshape(-1, wav.getnchannels()).mean(axis=1)
    if rate != 8000:
        divisor = np.gcd(rate, 8000)
        data = resample_poly(data, 8000 // divisor, rate // divisor)
    return data


def speech(tmp_path: Path, voices: tuple[str, ...] = ("en+f2", "ru+m3", "uk+f4")) -> np.ndarray:
    """Synthetic speech (8 kHz float) in the three languages, one voice each."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (Debian package espeak-ng)")
    parts = []
    for voice in voices:
        path = tmp_path / f"{voice}.wav"
        text = SENTENCES[voice.split("+")[0]]
        subprocess.run(["espeak-ng", "-v", voice, "-w", str(path), text], check=True)
        parts.append(read_wav_8k(path))
    return np.concatenate(parts)


def music(seconds: float = 30.0, track: str = "macroform-robot_dity") -> np.ndarray:
    path = MUSIC_DIR / f"{track}.wav"
    if not path.is_file():
        pytest.skip(f"{path} is missing (Debian package asterisk-moh-opsound-wav)")
    return read_wav_8k(path)[: round(seconds * 8000)]


def scaled_to(signal: np.ndarray, dbm0: float) -> np.ndarray:
    """Scale to a mean level of `dbm0` over the 20 ms frames that are not silent."""
    frames = signal[: signal.size // 160 * 160].reshape(-1, 160)
    power = np.mean(frames**2, axis=1)
    active = power > power.max() * 1e-4
    zero_dbm0_power = (32768.0 * 10 ** (-3.14 / 20)) ** 2 / 2
    return signal * np.sqrt(zero_dbm0_power * 10 ** (dbm0 / 10) / power[active].mean())
