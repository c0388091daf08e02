"""An echo canceller on a line: recorded speech sent, echoed on a G.168 Annex D path with
line noise, received through A-law; the residual echo is what the linear canceller leaves
of the echo (its output minus what was received besides the echo)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal

from drivers.sim.world.g168_paths import annex_d_path
from tests.voice.echo.recorded import DBM0_POWER, FS
from voice import g711
from voice.echo import FRAME_SAMPLES, EchoCanceller

ECHO_DELAY_MS = 5.0
NOISE_DBM0 = -65.0
FAR_DBM0 = -15.0
WINDOW_S = 1.0


@dataclass
class Run:
    echo: np.ndarray  # the echo in what was received
    residual: np.ndarray  # what the linear canceller left of it
    near: np.ndarray  # near-end speech (zeros if none)
    output: np.ndarray  # the canceller's output

    def erle_db(self, start_s: float, stop_s: float) -> float:
        span = slice(round(start_s * FS), round(stop_s * FS))
        echo = np.sum(self.echo[span] ** 2)
        return float(10 * np.log10(echo / max(np.sum(self.residual[span] ** 2), 1e-9)))

    def windows(self, start_s: float, stop_s: float) -> list[tuple[float, float]]:
        """(start, ERLE) of each WINDOW_S with echo above -50 dBm0 in [start_s, stop_s)."""
        out = []
        t = start_s
        while t + WINDOW_S <= stop_s + 1e-9:
            span = slice(round(t * FS), round((t + WINDOW_S) * FS))
            if np.mean(self.echo[span] ** 2) > DBM0_POWER * 1e-5:
                out.append((t, self.erle_db(t, t + WINDOW_S)))
            t += WINDOW_S
        return out


def line_noise(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.standard_normal(n) * np.sqrt(DBM0_POWER * 10 ** (NOISE_DBM0 / 10))


def run(
    far: np.ndarray,
    paths: list[tuple[int, np.ndarray]],
    near: np.ndarray | None = None,
    tail_ms: float = 64,
) -> Run:
    """Cancel the echo of `far`; `paths` = (from sample, echo path) switches paths."""
    echo = np.zeros(far.size)
    bounds = [start for start, _ in paths] + [far.size]
    for (start, path), stop in zip(paths, bounds[1:], strict=True):
        echo[start:stop] = signal.lfilter(path, [1.0], far)[start:stop]
    talk = np.zeros(far.size) if near is None else near
    clean = talk + line_noise(far.size, seed=far.size)
    received = g711.through(np.clip(np.round(echo + clean), -32768, 32767), "alaw")
    received = received.astype(np.float64)
    canceller = EchoCanceller(tail_ms, nlp=False)
    out = np.concatenate(
        [
            canceller.process(far[i : i + FRAME_SAMPLES], received[i : i + FRAME_SAMPLES])
            for i in range(0, far.size, FRAME_SAMPLES)
        ]
    ).astype(np.float64)
    # Output minus everything received that is not echo = what is left of the echo.
    residual = out - (received - echo)
    return Run(echo, residual, talk, out)


def annex_d(name: str, erl_db: float) -> np.ndarray:
    return annex_d_path(name, erl_db, ECHO_DELAY_MS)
