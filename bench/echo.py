"""Cost of the line echo canceller per channel-second, ours and spandsp's.

Four seconds of speech-like far end through a dispersive hybrid (11 dB ERL, 5 ms delay)
with line noise, processed in 20 ms frames as the engine does. Ours is timed twice: over
the first four seconds of a call, while it fits the new echo path by least squares, and
over four seconds once it has learnt it (the rest of any call). spandsp's canceller takes
one sample per call and Debian's build prints two debug lines per sample: its row is timed
from C where a compiler is installed (`spandsp_echo.c_driver_us_per_channel_second`, the
printing stubbed out), else as one ctypes call per sample minus the measured ctypes and
printing overheads; either way, its own C cost.
Both are timed in this thread's CPU time (best of REPEATS): on a machine shared with other
work, wall-clock time would count their share of the cores too.
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
LEARNING_SECONDS = 4.0  # played before the "once learnt" timing
DBM0_POWER = (32768 * 10 ** (-3.14 / 20)) ** 2 / 2


def _scenario(seconds: float = SECONDS) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    n = round(seconds * FS)
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


def _ours(tail_ms: int, far: np.ndarray, near: np.ndarray, learnt: bool = False) -> float:
    """us per channel-second over the last SECONDS of `far` (after the rest if `learnt`)."""
    timed = round(SECONDS * FS)
    best = float("inf")
    for _ in range(REPEATS):
        canceller = EchoCanceller(tail_ms)
        for i in range(0, far.size - timed if learnt else 0, FRAME):
            canceller.process(far[i : i + FRAME], near[i : i + FRAME])
        start = time.thread_time()
        for i in range(far.size - timed if learnt else 0, far.size, FRAME):
            canceller.process(far[i : i + FRAME], near[i : i + FRAME])
        best = min(best, time.thread_time() - start)
    return best / SECONDS * 1e6


def _spandsp(tail_ms: int, far: np.ndarray, near: np.ndarray) -> tuple[float | None, bool]:
    """spandsp's cost per channel-second (None without the library), and whether it was
    timed from C (else through ctypes, its overhead subtracted)."""
    if not spandsp_echo.available():
        return None, False
    timed_in_c = spandsp_echo.c_driver_us_per_channel_second(
        tail_ms * FS // 1000, far, near, REPEATS
    )
    if timed_in_c is not None:
        return timed_in_c, True
    best = float("inf")
    for _ in range(REPEATS):
        canceller = spandsp_echo.SpandspEchoCanceller(tail_ms * FS // 1000)
        start = time.thread_time()
        for i in range(0, far.size, FRAME):
            canceller.process(far[i : i + FRAME], near[i : i + FRAME])
        best = min(best, time.thread_time() - start)
        canceller.close()
    per_sample = spandsp_echo.call_overhead_us() + spandsp_echo.debug_print_us()
    overhead = per_sample * far.size
    return max(best * 1e6 - overhead, 0.0) / SECONDS, False


def run() -> list[dict]:
    """Benchmark rows: name, ours_us_per_channel_s, spandsp_us_per_channel_s, note."""
    far, near = _scenario()
    long_far, long_near = _scenario(LEARNING_SECONDS + SECONDS)
    rows = []
    for tail_ms in (64, 128):
        ours = _ours(tail_ms, far, near)
        settled = _ours(tail_ms, long_far, long_near, learnt=True)
        theirs, timed_in_c = _spandsp(tail_ms, far, near)
        note = (
            f"20 ms frames, NLP and comfort noise on; first {SECONDS:g} s of a call (fitting"
            f" the new echo path) {ours / 50:.0f} us per frame; once learnt"
            f" {settled:.0f} us/ch-s ({settled / 50:.0f} us per frame)"
        )
        if theirs is not None and theirs <= 0:
            theirs = None
            note += "; spandsp's own cost drowned in the per-sample ctypes overhead this run"
        if theirs:
            how = (
                "timed from C, the 0.0.6 build's per-sample debug printing stubbed out"
                if timed_in_c
                else "per-sample ctypes calls; ctypes overhead and the 0.0.6 build's"
                " per-sample debug printing subtracted"
            )
            note += (
                f"; ours/spandsp = {ours / theirs:.1f}x, once learnt {settled / theirs:.1f}x"
                f" (spandsp: {how})"
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
