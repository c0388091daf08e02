"""Loader for Debian's libspandsp2, the reference implementation used in bench/ and tests.

Never a product dependency: only benchmarks and tests compare against it. Each user binds
the functions it needs (`argtypes`/`restype`) on the returned library.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache

import numpy as np

LIBRARY_NAMES = ("libspandsp.so.2", "spandsp")


@cache
def load_library() -> ctypes.CDLL | None:
    """The spandsp shared library, or None when libspandsp2 is not installed."""
    for name in LIBRARY_NAMES:
        path = name if name.endswith(".2") else ctypes.util.find_library(name)
        if not path:
            continue
        try:
            return ctypes.CDLL(path)
        except OSError:
            continue
    return None


# DTMF and tone blocks, bound lazily on first use (0.0.6 prototypes from the Debian headers).

DTMF_DIGIT_BUFFER = 128


def _bind_dtmf(lib: ctypes.CDLL) -> None:
    if getattr(lib, "_switchboard_dtmf_bound", False):
        return
    lib.dtmf_tx_init.argtypes = [ctypes.c_void_p]
    lib.dtmf_tx_init.restype = ctypes.c_void_p
    lib.dtmf_tx_set_level.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
    lib.dtmf_tx_set_timing.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
    lib.dtmf_tx_put.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    lib.dtmf_tx_put.restype = ctypes.c_int
    lib.dtmf_tx.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int16), ctypes.c_int]
    lib.dtmf_tx.restype = ctypes.c_int
    lib.dtmf_tx_free.argtypes = [ctypes.c_void_p]
    lib.dtmf_rx_init.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
    lib.dtmf_rx_init.restype = ctypes.c_void_p
    lib.dtmf_rx.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int16), ctypes.c_int]
    lib.dtmf_rx.restype = ctypes.c_int
    lib.dtmf_rx_get.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    lib.dtmf_rx_get.restype = ctypes.c_size_t
    lib.dtmf_rx_free.argtypes = [ctypes.c_void_p]
    lib._switchboard_dtmf_bound = True  # type: ignore[attr-defined]


def _int16_pointer(samples: np.ndarray) -> ctypes._Pointer:  # type: ignore[type-arg]
    return samples.ctypes.data_as(ctypes.POINTER(ctypes.c_int16))


def _require() -> ctypes.CDLL:
    lib = load_library()
    if lib is None:
        raise RuntimeError("libspandsp2 is not installed (Debian package libspandsp2)")
    return lib


def dtmf_generate(
    digits: str, on_ms: int = 100, off_ms: int = 100, level_dbm0: int = -10, twist_db: int = 0
) -> np.ndarray:
    """spandsp's DTMF generator output for `digits` (int16, 8 kHz).

    `level_dbm0` is the low tone's level and the high tone is `twist_db` louder, on the same
    dBm0 scale as voice.level.
    """
    lib = _require()
    _bind_dtmf(lib)
    state = lib.dtmf_tx_init(None)
    try:
        lib.dtmf_tx_set_level(state, level_dbm0, twist_db)
        lib.dtmf_tx_set_timing(state, on_ms, off_ms)
        lib.dtmf_tx_put(state, digits.encode("ascii"), len(digits))
        chunks = []
        while True:
            block = np.zeros(160, dtype=np.int16)
            produced = lib.dtmf_tx(state, _int16_pointer(block), block.size)
            if produced <= 0:
                break
            chunks.append(block[:produced])
        return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)
    finally:
        lib.dtmf_tx_free(state)


class DtmfRx:
    """spandsp's DTMF receiver: `feed(samples)` returns the digits completed so far."""

    def __init__(self) -> None:
        self._lib = _require()
        _bind_dtmf(self._lib)
        self._state = self._lib.dtmf_rx_init(None, None, None)
        self._buffer = ctypes.create_string_buffer(DTMF_DIGIT_BUFFER + 1)

    def feed(self, samples: np.ndarray) -> str:
        block = np.ascontiguousarray(samples, dtype=np.int16)
        self._lib.dtmf_rx(self._state, _int16_pointer(block), block.size)
        count = self._lib.dtmf_rx_get(self._state, self._buffer, DTMF_DIGIT_BUFFER)
        return self._buffer.raw[:count].decode("ascii")

    def close(self) -> None:
        if self._state:
            self._lib.dtmf_rx_free(self._state)
            self._state = None

    def __del__(self) -> None:
        self.close()
