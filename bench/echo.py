"""Cost of the line echo canceller per channel-second, ours and spandsp's.

Four seconds of speech-like far end through a dispersive hybrid (11 dB ERL, 5 ms delay)
with line noise, processed in 20 ms frames as the engine does. spandsp's canceller runs
one ctypes call per sample and Debian's build prints two debug lines per sample; its row
reports the time minus the measured ctypes and printing overheads, i.e. its own C cost.
"""

from __future__ import annotations

import time

import numpy as np
from scipy import signal

from bench import spandsp_echo
from voice.echo import EchoCanceller

FS = 8000
FRAME = 160
SECONDS = 4.0
REPEATS = 3
DBM0_POWER = (32768 * 10 ** (-3.14 / 20)) ** 2 / 2


def _scenario() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    n = round(SECONDS * FS)
    speech = signal.lfilter(
        *signal.butter(2, [200, 3400], btype="band", fs=FS), rng.standard_normal(n)
    )
    syllables = (np.sin(2 * np.pi * 3.0 * np.arange(n) / FS) > -0.2).astype(float)
    far = speech * syllables
    far *= np.sqrt(DBM0_POWER * 10 ** (-15 / 10) / np.mean(far**2))
    t = np.arange(round(0.016 * FS)) / FS
    hybrid = np.exp(-t / 0.002) * np.cos(2 * np.pi * 600 * t)
    path = np.concatenate((np.zeros(40), hybrid / np.sqrt(np.sum(hybrid**2)) * 10 ** (-11 / 20)))
    noise = rng.standard_normal(n) * np.sqrt(DBM0_POWER * 10 ** (-65 / 10))
    near = signal.lfilter(path, [1.0], far) + noise
    return np.round(far).astype(np.int16), np.round(near).astype(np.int16)


def _ours(tail_ms: int, far: np.ndarray, near: np.ndarray) -> float:
    best = float("inf")
    for _ in range(REPEATS):
        canceller = EchoCanceller(tail_ms)
        start = time.perf_counter()
        for i in range(0, far.size, FRAME):
            canceller.process(far[i : i + FRAME], near[i : i + FRAME])
        best = min(best, time.perf_counter() - start)
    return best / SECONDS * 1e6


def _spandsp(tail_ms: int, far: np.ndarray, near: np.ndarray) -> float | None:
    if not spandsp_echo.available():
        return None
    best = float("inf")
    for _ in range(REPEATS):
        canceller = spandsp_echo.SpandspEchoCanceller(tail_ms * FS // 1000)
        start = time.perf_counter()
        for i in range(0, far.size, FRAME):
            canceller.process(far[i : i + FRAME], near[i : i + FRAME])
        best = min(best, time.perf_counter() - start)
        canceller.close()
    per_sample = spandsp_echo.call_overhead_us() + spandsp_echo.debug_print_us()
    overhead = per_sample * far.size
    return max(best * 1e6 - overhead, 0.0) / SECONDS


def run() -> list[dict]:
    """Benchmark rows: name, ours_us_per_channel_s, spandsp_us_per_channel_s, note."""
    far, near = _scenario()
    rows = []
    for tail_ms in (64, 128):
        ours = _ours(tail_ms, far, near)
        theirs = _spandsp(tail_ms, far, near)
        note = f"20 ms frames, NLP and comfort noise on; {ours / 50:.0f} us per frame"
        if theirs is not None and theirs <= 0:
            theirs = None
            note += "; spandsp's own cost drowned in the per-sample ctypes overhead this run"
        if theirs:
            note += (
                f"; ours/spandsp = {ours / theirs:.1f}x (spandsp: per-sample C calls; ctypes"
                " overhead and the 0.0.6 build's per-sample debug printing subtracted)"
            )
        rows.append(
            {
                "name": f"echo canceller {tail_ms} ms tail",
                "ours_us_per_channel_s": round(ours, 1),
                "spandsp_us_per_channel_s": None if theirs is None else round(theirs, 1),
                "note": note,
            }
        )
    return rows


def main() -> None:
    for row in run():
        theirs = row["spandsp_us_per_channel_s"]
        print(
            f"{row['name']:<32} ours {row['ours_us_per_channel_s']:>9.1f} us/ch-s   "
            f"spandsp {'-' if theirs is None else f'{theirs:.1f}':>9} us/ch-s   {row['note']}"
        )


if __name__ == "__main__":
    main()
