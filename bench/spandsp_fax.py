"""spandsp's fax transmitter and image modems through ctypes: the independent side.

Benchmarks and tests only: Debian's libspandsp2 is the reference sender our receiver must
understand.
"""

from __future__ import annotations

import ctypes
from collections.abc import Sequence

import numpy as np

from bench.spandsp import load_library

GET_BIT = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p)
PHASE_E = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int)
INT16_P = ctypes.POINTER(ctypes.c_int16)

# t30.h: T30_SUPPORT_* modem bits and compression bits.
SUPPORT_V27TER = 0x01
SUPPORT_V29 = 0x02
SUPPORT_V17 = 0x04
COMPRESSION_T4_1D = 0x02
COMPRESSION_T4_2D = 0x04
T30_ERR_OK = 0


def require_spandsp() -> ctypes.CDLL:
    lib = load_library()
    if lib is None:
        raise RuntimeError("libspandsp2 is not installed (Debian package libspandsp2)")
    _bind(lib)
    return lib


def _bind(lib: ctypes.CDLL) -> None:
    if getattr(lib, "_switchboard_fax_bound", False):
        return
    lib.v29_tx_init.argtypes = [
        ctypes.c_void_p,
        ctypes.c_int,
        ctypes.c_int,
        GET_BIT,
        ctypes.c_void_p,
    ]
    lib.v29_tx_init.restype = ctypes.c_void_p
    lib.v29_tx.argtypes = [ctypes.c_void_p, INT16_P, ctypes.c_int]
    lib.v29_tx.restype = ctypes.c_int
    lib.v29_tx_free.argtypes = [ctypes.c_void_p]
    lib.v27ter_tx_init.argtypes = lib.v29_tx_init.argtypes
    lib.v27ter_tx_init.restype = ctypes.c_void_p
    lib.v27ter_tx.argtypes = [ctypes.c_void_p, INT16_P, ctypes.c_int]
    lib.v27ter_tx.restype = ctypes.c_int
    lib.v27ter_tx_free.argtypes = [ctypes.c_void_p]
    lib.v17_tx_init.argtypes = lib.v29_tx_init.argtypes
    lib.v17_tx_init.restype = ctypes.c_void_p
    lib.v17_tx.argtypes = [ctypes.c_void_p, INT16_P, ctypes.c_int]
    lib.v17_tx.restype = ctypes.c_int
    lib.v17_tx_free.argtypes = [ctypes.c_void_p]
    lib.v17_tx_restart.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_int]
    lib.v17_tx_restart.restype = ctypes.c_int
    lib.fax_init.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.fax_init.restype = ctypes.c_void_p
    lib.fax_get_t30_state.argtypes = [ctypes.c_void_p]
    lib.fax_get_t30_state.restype = ctypes.c_void_p
    lib.fax_rx.argtypes = [ctypes.c_void_p, INT16_P, ctypes.c_int]
    lib.fax_rx.restype = ctypes.c_int
    lib.fax_tx.argtypes = [ctypes.c_void_p, INT16_P, ctypes.c_int]
    lib.fax_tx.restype = ctypes.c_int
    lib.fax_free.argtypes = [ctypes.c_void_p]
    lib.fax_set_transmit_on_idle.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.t30_set_tx_file.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_int]
    lib.t30_set_rx_file.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    lib.t30_set_tx_ident.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    lib.t30_set_supported_modems.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.t30_set_supported_compressions.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.t30_set_ecm_capability.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.t30_set_phase_e_handler.argtypes = [ctypes.c_void_p, PHASE_E, ctypes.c_void_p]
    lib._switchboard_fax_bound = True  # type: ignore[attr-defined]


def v29_modulate(bits: Sequence[int], bit_rate: int, tail_ones: int = 200) -> np.ndarray:
    """spandsp's V.29 transmitter sending `bits` after its training, then ones."""
    return _modulate("v29", bits, bit_rate, tail_ones)


def v27ter_modulate(bits: Sequence[int], bit_rate: int, tail_ones: int = 200) -> np.ndarray:
    """spandsp's V.27ter transmitter sending `bits` after its training, then ones."""
    return _modulate("v27ter", bits, bit_rate, tail_ones)


def v17_modulate(
    bursts: Sequence[Sequence[int]], bit_rate: int, tail_ones: int = 200
) -> list[np.ndarray]:
    """spandsp's V.17 transmitter: the first burst after the long training, each later one
    after the short training (as pages follow a TCF), each followed by ones."""
    lib = require_spandsp()
    queue: list[int] = []
    position = [0]

    def next_bit(_user: ctypes.c_void_p) -> int:
        if position[0] >= len(queue):
            return 1
        bit = queue[position[0]]
        position[0] += 1
        return bit

    callback = GET_BIT(next_bit)
    state = lib.v17_tx_init(None, bit_rate, 0, callback, None)
    audio = []
    try:
        for index, bits in enumerate(bursts):
            if index:
                lib.v17_tx_restart(state, bit_rate, 0, 1)
            queue[:] = list(bits) + [1] * tail_ones
            position[0] = 0
            chunks = []
            while position[0] < len(queue):
                block = np.zeros(160, dtype=np.int16)
                lib.v17_tx(state, block.ctypes.data_as(INT16_P), 160)
                chunks.append(block)
            audio.append(np.concatenate(chunks))
        return audio
    finally:
        lib.v17_tx_free(state)


def _modulate(modem: str, bits: Sequence[int], bit_rate: int, tail_ones: int) -> np.ndarray:
    lib = require_spandsp()
    init = getattr(lib, f"{modem}_tx_init")
    modulate = getattr(lib, f"{modem}_tx")
    free = getattr(lib, f"{modem}_tx_free")
    queue = list(bits) + [1] * tail_ones
    position = [0]

    def next_bit(_user: ctypes.c_void_p) -> int:
        if position[0] >= len(queue):
            return 1
        bit = queue[position[0]]
        position[0] += 1
        return bit

    callback = GET_BIT(next_bit)
    state = init(None, bit_rate, 0, callback, None)
    try:
        chunks = []
        while position[0] < len(queue):
            block = np.zeros(160, dtype=np.int16)
            modulate(state, block.ctypes.data_as(INT16_P), 160)
            chunks.append(block)
        return np.concatenate(chunks)
    finally:
        free(state)


class SpandspFaxSender:
    """spandsp's fax machine in the calling role, sending a TIFF file (or, with
    `receive_to`, answering and receiving into that TIFF file)."""

    def __init__(
        self,
        tiff_path: str,
        ident: str = "+1 555 0100",
        modems: int = SUPPORT_V29,
        compressions: int = COMPRESSION_T4_1D,
        ecm: bool = False,
        receive_to: bool = False,
    ) -> None:
        self._lib = require_spandsp()
        self._state = self._lib.fax_init(None, 0 if receive_to else 1)
        self._t30 = self._lib.fax_get_t30_state(self._state)
        self._lib.fax_set_transmit_on_idle(self._state, 1)
        if receive_to:
            self._lib.t30_set_rx_file(self._t30, tiff_path.encode(), -1)
        else:
            self._lib.t30_set_tx_file(self._t30, tiff_path.encode(), -1, -1)
        self._lib.t30_set_tx_ident(self._t30, ident.encode())
        self._lib.t30_set_supported_modems(self._t30, modems)
        self._lib.t30_set_supported_compressions(self._t30, compressions)
        self._lib.t30_set_ecm_capability(self._t30, 1 if ecm else 0)
        self.completion: int | None = None

        def phase_e(_t30: ctypes.c_void_p, _user: ctypes.c_void_p, code: int) -> None:
            self.completion = code

        self._phase_e = PHASE_E(phase_e)
        self._lib.t30_set_phase_e_handler(self._t30, self._phase_e, None)

    def receive(self, samples: np.ndarray) -> None:
        block = np.ascontiguousarray(samples, dtype=np.int16)
        self._lib.fax_rx(self._state, block.ctypes.data_as(INT16_P), block.size)

    def transmit(self, count: int = 160) -> np.ndarray:
        block = np.zeros(count, dtype=np.int16)
        self._lib.fax_tx(self._state, block.ctypes.data_as(INT16_P), count)
        return block

    def close(self) -> None:
        if self._state:
            self._lib.fax_free(self._state)
            self._state = None
