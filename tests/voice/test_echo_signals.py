"""Test signals for the echo canceller, made here independently of the code under test.

- Echo paths in the spirit of ITU-T G.168 Annex D: dispersive hybrid responses (band-pass
  shaping, resonances, phase dispersion) behind a pure delay, scaled to an echo return loss.
- A speech-like far end: noise with a speech spectrum and a syllabic on/off envelope.
- Real (synthetic) speech from espeak-ng when it is installed.
"""

from __future__ import annotations

import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest
from scipy import signal

FS = 8000
DBM0_POWER = (32768 * 10 ** (-3.14 / 20)) ** 2 / 2  # mean square of a 0 dBm0 sine
HYBRID_MS = 16  # length of each hybrid's dispersive part


def level_dbm0(x: np.ndarray) -> float:
    x = np.asarray(x, dtype=float)
    return float(10 * np.log10(np.mean(x * x) / DBM0_POWER + 1e-30))


def at_level(x: np.ndarray, dbm0: float) -> np.ndarray:
    """Scale so the active part (above 1 % of the peak) sits at `dbm0`."""
    active = np.abs(x) > 0.01 * np.abs(x).max()
    return x * np.sqrt(DBM0_POWER * 10 ** (dbm0 / 10) / np.mean(x[active] ** 2))


def hybrid(kind: str) -> np.ndarray:
    """A 2-wire/4-wire hybrid's dispersive echo response (unit energy)."""
    n = round(HYBRID_MS * FS / 1000)
    impulse = np.zeros(n)
    impulse[0] = 1.0
    if kind == "bandpass":
        h = signal.lfilter(*signal.butter(2, 300, btype="high", fs=FS), impulse)
        h = signal.lfilter(*signal.butter(4, 3400, fs=FS), h)
    elif kind == "resonant":
        t = np.arange(n) / FS
        h = np.exp(-t / 0.002) * np.cos(2 * np.pi * 600 * t)
        h = signal.lfilter(*signal.butter(2, [250, 3400], btype="band", fs=FS), h)
    elif kind == "dispersive":
        h = impulse
        for radius, hz in ((0.8, 500), (0.85, 1500), (0.7, 2500)):
            pole = radius * np.exp(2j * np.pi * hz / FS)
            a = np.real(np.poly([pole, np.conj(pole)]))
            h = signal.lfilter(a[::-1], a, h)  # all-pass: spreads the phase, keeps the gain
        h = signal.lfilter(*signal.butter(2, [300, 3300], btype="band", fs=FS), h)
    elif kind == "diffuse":
        rng = np.random.default_rng(99)
        h = rng.standard_normal(n) * np.exp(-np.arange(n) / (0.004 * FS))
        h = signal.lfilter(*signal.butter(2, [300, 3400], btype="band", fs=FS), h)
    else:
        raise ValueError(kind)
    return h / np.sqrt(np.sum(h**2))


def echo_path(delay_ms: float, erl_db: float, kind: str) -> np.ndarray:
    """Pure delay followed by a hybrid response with `erl_db` of echo return loss."""
    h = hybrid(kind) * 10 ** (-erl_db / 20)
    return np.concatenate((np.zeros(round(delay_ms * FS / 1000)), h))


# G.168-style paths: (delay ms, ERL dB, hybrid) from a near hybrid to a long, lossy line.
ECHO_PATHS = [
    (0.0, 6.0, "bandpass"),
    (5.0, 11.0, "resonant"),
    (12.0, 15.0, "diffuse"),
    (20.0, 20.0, "dispersive"),
    (45.0, 30.0, "bandpass"),
]
ECHO_PATH_IDS = [f"{d:g}ms-{e:g}dB-{k}" for d, e, k in ECHO_PATHS]


def speech_like(seconds: float, rng: np.random.Generator, dbm0: float = -15.0) -> np.ndarray:
    """Noise with a speech-like spectrum (band 200-3400 Hz, falling above ~800 Hz) switched
    on and off like syllables (120-350 ms bursts, 40-300 ms gaps)."""
    n = round(seconds * FS)
    noise = rng.standard_normal(n)
    noise = signal.lfilter(*signal.butter(2, [200, 3400], btype="band", fs=FS), noise)
    noise = signal.lfilter([1.0], [1.0, -0.6], noise)
    envelope = np.zeros(n)
    t = 0
    while t < n:
        on = round(rng.uniform(0.12, 0.35) * FS)
        off = round(rng.uniform(0.04, 0.3) * FS)
        burst = np.sqrt(np.hanning(on)) * rng.uniform(0.4, 1.0)
        envelope[t : t + on] = burst[: max(0, min(on, n - t))]
        t += on + off
    return np.round(at_level(noise * envelope, dbm0))


ESPEAK = shutil.which("espeak-ng")


def espeak(text: str, voice: str, path: Path) -> np.ndarray:
    """`text` spoken by espeak-ng, resampled to 8 kHz (float, not yet levelled)."""
    if ESPEAK is None:
        pytest.skip("espeak-ng is not installed")
    subprocess.run([ESPEAK, "-v", voice, "-s", "160", "-w", str(path), text], check=True)
    with wave.open(str(path)) as recording:
        rate = recording.getframerate()
        pcm = np.frombuffer(recording.readframes(recording.getnframes()), dtype=np.int16)
    return signal.resample_poly(pcm.astype(float), FS, rate)


def test_echo_paths_have_the_stated_return_loss_and_delay() -> None:
    for delay, erl, kind in ECHO_PATHS:
        h = echo_path(delay, erl, kind)
        assert 10 * np.log10(1 / np.sum(h**2)) == pytest.approx(erl, abs=1e-9)
        assert np.flatnonzero(np.abs(h) > 1e-9)[0] == round(delay * FS / 1000)


def test_speech_like_source_has_speech_level_and_pauses() -> None:
    x = speech_like(4.0, np.random.default_rng(0))
    frames = x[: x.size // 160 * 160].reshape(-1, 160)
    active = np.mean(frames**2, axis=1) > DBM0_POWER * 10 ** (-45 / 10)
    assert 0.4 < active.mean() < 0.9  # talk spurts and pauses
    assert level_dbm0(frames[active]) == pytest.approx(-15, abs=2.5)
