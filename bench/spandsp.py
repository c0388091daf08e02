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


# Supervisory (call-progress) tones and modem connect tones.

TONE_REPORT = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_int)
MODEM_CONNECT_TONES_FAX_CNG = 1
MODEM_CONNECT_TONES_ANSAM_PR = 5


def _bind_tones(lib: ctypes.CDLL) -> None:
    if getattr(lib, "_switchboard_tones_bound", False):
        return
    lib.super_tone_rx_make_descriptor.argtypes = [ctypes.c_void_p]
    lib.super_tone_rx_make_descriptor.restype = ctypes.c_void_p
    lib.super_tone_rx_add_tone.argtypes = [ctypes.c_void_p]
    lib.super_tone_rx_add_tone.restype = ctypes.c_int
    lib.super_tone_rx_add_element.argtypes = [ctypes.c_void_p] + [ctypes.c_int] * 5
    lib.super_tone_rx_add_element.restype = ctypes.c_int
    lib.super_tone_rx_init.argtypes = [
        ctypes.c_void_p,
        ctypes.c_void_p,
        TONE_REPORT,
        ctypes.c_void_p,
    ]
    lib.super_tone_rx_init.restype = ctypes.c_void_p
    lib.super_tone_rx.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int16), ctypes.c_int]
    lib.super_tone_rx.restype = ctypes.c_int
    lib.super_tone_rx_free.argtypes = [ctypes.c_void_p]
    lib.super_tone_rx_free_descriptor.argtypes = [ctypes.c_void_p]
    lib.modem_connect_tones_rx_init.argtypes = [
        ctypes.c_void_p,
        ctypes.c_int,
        ctypes.c_void_p,
        ctypes.c_void_p,
    ]
    lib.modem_connect_tones_rx_init.restype = ctypes.c_void_p
    lib.modem_connect_tones_rx.argtypes = [
        ctypes.c_void_p,
        ctypes.POINTER(ctypes.c_int16),
        ctypes.c_int,
    ]
    lib.modem_connect_tones_rx.restype = ctypes.c_int
    lib.modem_connect_tones_rx_get.argtypes = [ctypes.c_void_p]
    lib.modem_connect_tones_rx_get.restype = ctypes.c_int
    lib.modem_connect_tones_rx_free.argtypes = [ctypes.c_void_p]
    lib._switchboard_tones_bound = True  # type: ignore[attr-defined]


class SuperToneRx:
    """spandsp's supervisory tone detector set up with cadenced tones.

    `tones` maps a name to (frequencies, cadence_ms); each on element accepts ±`spread` of
    its duration, like our detector's timing tolerance. Reported tone codes are the indexes
    of `tones`' keys.
    """

    def __init__(
        self, tones: dict[str, tuple[tuple[float, ...], tuple[int, ...]]], spread: float = 0.1
    ) -> None:
        self._lib = _require()
        _bind_tones(self._lib)
        self.names = list(tones)
        self.reports: list[int] = []
        self._descriptor = self._lib.super_tone_rx_make_descriptor(None)
        for frequencies, cadence in tones.values():
            tone = self._lib.super_tone_rx_add_tone(self._descriptor)
            pair = [round(f) for f in frequencies[:2]] + [0, 0]
            steps = cadence or (10_000, 0)
            for index, ms in enumerate(steps):
                if ms == 0:
                    continue
                f1, f2 = (pair[0], pair[1]) if index % 2 == 0 else (0, 0)
                low, high = round(ms * (1 - spread)), round(ms * (1 + spread))
                self._lib.super_tone_rx_add_element(self._descriptor, tone, f1, f2, low, high)
        self._callback = TONE_REPORT(self._report)
        self._state = self._lib.super_tone_rx_init(None, self._descriptor, self._callback, None)

    def _report(self, user_data: int, code: int, level: int, delay: int) -> None:
        self.reports.append(code)

    def feed(self, samples: np.ndarray) -> list[int]:
        block = np.ascontiguousarray(samples, dtype=np.int16)
        self._lib.super_tone_rx(self._state, _int16_pointer(block), block.size)
        return self.reports

    def close(self) -> None:
        if self._state:
            self._lib.super_tone_rx_free(self._state)
            self._lib.super_tone_rx_free_descriptor(self._descriptor)
            self._state = None

    def __del__(self) -> None:
        self.close()


class ModemConnectTonesRx:
    """spandsp's modem connect tone detector for one tone type (e.g. CNG, ANSam/)."""

    def __init__(self, tone_type: int) -> None:
        self._lib = _require()
        _bind_tones(self._lib)
        self._state = self._lib.modem_connect_tones_rx_init(None, tone_type, None, None)

    def feed(self, samples: np.ndarray) -> int:
        """Process a block; the tone detected so far (0 for none)."""
        block = np.ascontiguousarray(samples, dtype=np.int16)
        self._lib.modem_connect_tones_rx(self._state, _int16_pointer(block), block.size)
        return int(self._lib.modem_connect_tones_rx_get(self._state))

    def close(self) -> None:
        if self._state:
            self._lib.modem_connect_tones_rx_free(self._state)
            self._state = None

    def __del__(self) -> None:
        self.close()
