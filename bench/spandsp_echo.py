"""ctypes binding for spandsp's line echo canceller (echo_can_init / echo_can_update).

spandsp's canceller takes one sample per call, so driving it from Python costs one
ctypes call per sample; `call_overhead_us()` measures that overhead on a trivial libc
function so a benchmark can report spandsp's own cost separately. Debian's 0.0.6 build of
echo_can_update prints two debug lines to stdout for every sample; `process()` sends the
C library's stdout to /dev/null while it runs (the printing still costs time). Times are
this thread's CPU time, as in `bench.echo`, so other processes on the machine do not count.

Subtracting measured overheads from a per-sample ctypes loop leaves a small difference of
large, noisy numbers. Where a C compiler is installed, `c_driver_us_per_channel_second()`
times spandsp from C instead: a small program, built once into .cache/bench, feeds the
samples to echo_can_update in a loop, with the build's debug printing (__printf_chk, which
is not part of the canceller) replaced by a function that does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import numpy as np

from bench.spandsp import load_library
from voice.level import SAMPLE_RATE_HZ

ECHO_CAN_USE_ADAPTION = 0x01
ECHO_CAN_USE_NLP = 0x02
ECHO_CAN_USE_CNG = 0x04
ECHO_CAN_USE_CLIP = 0x08
ECHO_CAN_USE_TX_HPF = 0x20
ECHO_CAN_USE_RX_HPF = 0x40
DEFAULT_MODE = ECHO_CAN_USE_ADAPTION | ECHO_CAN_USE_NLP | ECHO_CAN_USE_CNG


@cache
def _bound() -> ctypes.CDLL | None:
    lib = load_library()
    if lib is None:
        return None
    lib.echo_can_init.argtypes = [ctypes.c_int, ctypes.c_int]
    lib.echo_can_init.restype = ctypes.c_void_p
    lib.echo_can_free.argtypes = [ctypes.c_void_p]
    lib.echo_can_free.restype = ctypes.c_int
    lib.echo_can_flush.argtypes = [ctypes.c_void_p]
    lib.echo_can_flush.restype = None
    lib.echo_can_update.argtypes = [ctypes.c_void_p, ctypes.c_int16, ctypes.c_int16]
    lib.echo_can_update.restype = ctypes.c_int16
    return lib


def available() -> bool:
    """True when libspandsp2 is installed."""
    return _bound() is not None


class SpandspEchoCanceller:
    """spandsp's echo canceller with `taps` coefficients (8 per millisecond of tail)."""

    def __init__(self, taps: int, mode: int = DEFAULT_MODE) -> None:
        lib = _bound()
        if lib is None:
            raise RuntimeError("libspandsp2 is not installed (apt-get install libspandsp2)")
        self._lib = lib
        self._state = lib.echo_can_init(taps, mode)
        if not self._state:
            raise RuntimeError("echo_can_init failed")

    def close(self) -> None:
        if self._state:
            self._lib.echo_can_free(self._state)
            self._state = None

    def __del__(self) -> None:
        self.close()

    def process(self, far_end: np.ndarray, near_end: np.ndarray) -> np.ndarray:
        """Cancel the echo of `far_end` (sent) in `near_end` (received), sample by sample."""
        update = self._lib.echo_can_update
        state = self._state
        pairs = zip(far_end.tolist(), near_end.tolist(), strict=True)
        with c_stdout_silenced():
            out = [update(state, tx, rx) for tx, rx in pairs]
        return np.array(out, dtype=np.int16)


@cache
def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(ctypes.util.find_library("c"))


@contextmanager
def c_stdout_silenced() -> Iterator[None]:
    """Send what C code writes to stdout (file descriptor 1) to /dev/null meanwhile."""
    libc = _libc()
    libc.fflush(None)
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        libc.fflush(None)
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


@cache
def debug_print_us() -> float:
    """Microseconds the build's two debug lines per sample cost in C (to /dev/null).

    Timed as two printf calls through ctypes, minus two ctypes call overheads.
    """
    libc = _libc()
    libc.printf.restype = ctypes.c_int
    first, second = b"echo is %d\n", b"Narrowband score %4d %5d at %d\n"
    values = (np.arange(5000) - 2500).tolist()
    best = float("inf")
    with c_stdout_silenced():
        for _ in range(3):
            start = time.thread_time()
            for v in values:
                libc.printf(first, ctypes.c_int(v))
                libc.printf(second, ctypes.c_int(0), ctypes.c_int(0), ctypes.c_int(v))
            best = min(best, time.thread_time() - start)
    return max(best / len(values) * 1e6 - 2 * call_overhead_us(), 0.0)


@cache
def call_overhead_us() -> float:
    """Microseconds one ctypes call of the same shape costs on this machine (libc abs)."""
    libc = _libc()
    libc.abs.argtypes = [ctypes.c_int]
    libc.abs.restype = ctypes.c_int
    values = (np.arange(20000) - 10000).tolist()
    best = float("inf")
    for _ in range(5):
        start = time.thread_time()
        for v in values:
            libc.abs(v)
        best = min(best, time.thread_time() - start)
    return best / len(values) * 1e6


DRIVER_SOURCE = r"""
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
void *echo_can_init(int len, int adaption_mode);
int16_t echo_can_update(void *ec, int16_t tx, int16_t rx);
int echo_can_free(void *ec);
/* The Debian build prints two debug lines per sample; that is not the canceller's work. */
int __printf_chk(int flag, const char *format, ...) { (void)flag; (void)format; return 0; }
static double thread_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}
/* usage: driver TAPS MODE REPEATS SAMPLES FILE (SAMPLES int16 far end, then near end) */
int main(int argc, char **argv) {
    if (argc != 6) return 2;
    int taps = atoi(argv[1]), mode = atoi(argv[2]), repeats = atoi(argv[3]);
    long n = atol(argv[4]);
    int16_t *far = malloc(n * sizeof *far), *near = malloc(n * sizeof *near);
    FILE *file = fopen(argv[5], "rb");
    if (!far || !near || !file) return 3;
    if (fread(far, sizeof *far, n, file) != (size_t)n) return 4;
    if (fread(near, sizeof *near, n, file) != (size_t)n) return 4;
    fclose(file);
    double best = 1e30;
    volatile int16_t sink = 0;
    for (int r = 0; r < repeats; r++) {
        void *canceller = echo_can_init(taps, mode);
        if (!canceller) return 5;
        double start = thread_seconds();
        for (long i = 0; i < n; i++) sink += echo_can_update(canceller, far[i], near[i]);
        double took = thread_seconds() - start;
        if (took < best) best = took;
        echo_can_free(canceller);
    }
    printf("%.9f\n", best);
    return 0;
}
"""
DRIVER_DIRECTORY = Path(__file__).resolve().parent.parent / ".cache" / "bench"


@cache
def _driver() -> Path | None:
    """The C timing driver, built on first use; None without a C compiler or spandsp."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None or not available():
        return None
    DRIVER_DIRECTORY.mkdir(parents=True, exist_ok=True)
    source = DRIVER_DIRECTORY / "spandsp_echo_driver.c"
    binary = DRIVER_DIRECTORY / "spandsp_echo_driver"
    built_from = source.read_text() if source.exists() else ""
    if built_from != DRIVER_SOURCE or not binary.exists():
        source.write_text(DRIVER_SOURCE)
        built = subprocess.run(
            [compiler, "-O2", "-o", str(binary), str(source), "-l:libspandsp.so.2"],
            capture_output=True,
            text=True,
        )
        if built.returncode != 0:
            return None
    return binary


def c_driver_us_per_channel_second(
    taps: int, far: np.ndarray, near: np.ndarray, repeats: int = 3, mode: int = DEFAULT_MODE
) -> float | None:
    """spandsp's own CPU time per channel-second over `far`/`near`, timed in C (best of
    `repeats`); None when the driver cannot be built or run."""
    driver = _driver()
    if driver is None:
        return None
    samples = np.concatenate((far, near)).astype("<i2")
    with tempfile.NamedTemporaryFile(suffix=".pcm") as file:
        file.write(samples.tobytes())
        file.flush()
        command = [str(driver), str(taps), str(mode), str(repeats), str(far.size), file.name]
        ran = subprocess.run(command, capture_output=True, text=True)
    if ran.returncode != 0:
        return None
    return float(ran.stdout.split()[0]) / (far.size / SAMPLE_RATE_HZ) * 1e6
