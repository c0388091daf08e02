"""Test audio made with numpy, independent of the code under test."""

from __future__ import annotations

import numpy as np

RATE_HZ = 8000
FRAME = 160


def speech_like(seconds: float, *, level_rms: float = 3000.0, seed: int = 1) -> np.ndarray:
    """A voiced, syllable-modulated signal: harmonics of a wandering pitch, shaped like
    vowels, four syllables a second, never silent for long (it ends on a syllable)."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE_HZ)) / RATE_HZ
    pitch = 120 + 20 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(pitch) / RATE_HZ
    voice = sum(np.sin(k * phase) / k * (1.5 if 3 <= k <= 6 else 1.0) for k in range(1, 25))
    syllables = 0.55 + 0.45 * np.abs(np.sin(2 * np.pi * 2 * t))
    signal = voice * syllables + 0.02 * rng.standard_normal(len(t))
    signal *= level_rms / np.sqrt(np.mean(signal**2))
    return np.clip(signal, -32768, 32767).astype(np.int16)


def rms(samples: np.ndarray) -> float:
    values = samples.astype(np.float64)
    return float(np.sqrt(np.mean(values * values)))


def frames(samples: np.ndarray) -> list[np.ndarray]:
    return [samples[i : i + FRAME] for i in range(0, len(samples), FRAME)]
