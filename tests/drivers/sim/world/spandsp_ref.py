"""Thin ctypes bindings to libspandsp2's DTMF and caller-ID (ADSI) code, the independent
reference the world's generators and decoders are checked against."""

from __future__ import annotations

import ctypes

import numpy as np
import pytest

from bench.spandsp import load_library

ADSI_STANDARD_CLASS = 1
ADSI_STANDARD_CLIP = 2
ADSI_STANDARD_CLIP_DTMF = 5
CLASS_SDMF_CALLERID = 0x04
CLASS_MDMF_CALLERID = 0x80
CLIP_MDMF_CALLERID = 0x80
CLIP_MDMF_MSG_WAITING = 0x82
MDMF_DATETIME = 0x01
MDMF_CALLER_NUMBER = 0x02
MDMF_CALLER_NAME = 0x07
CLIP_VISUAL_INDICATOR = 0x0B

_PutMessage = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.POINTER(ctypes.c_uint8), ctypes.c_int)
_CHUNK = 160


def library() -> ctypes.CDLL:
    lib = load_library()
    if lib is None:
        pytest.skip("libspandsp2 is not installed (make debs-test installs it)")
    for name, restype, argtypes in (
        ("dtmf_tx_init", ctypes.c_void_p, [ctypes.c_void_p]),
        ("dtmf_tx_put", ctypes.c_int, [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]),
        ("dtmf_tx_set_level", None, [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]),
        ("dtmf_tx_set_timing", None, [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]),
        ("dtmf_tx", ctypes.c_int, [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int]),
        ("dtmf_tx_free", ctypes.c_int, [ctypes.c_void_p]),
        ("dtmf_rx_init", ctypes.c_void_p, [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]),
        ("dtmf_rx", ctypes.c_int, [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int]),
        ("dtmf_rx_get", ctypes.c_size_t, [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]),
        ("dtmf_rx_free", ctypes.c_int, [ctypes.c_void_p]),
        ("adsi_tx_init", ctypes.c_void_p, [ctypes.c_void_p, ctypes.c_int]),
        ("adsi_tx_put_message", ctypes.c_int, [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]),
        ("adsi_tx", ctypes.c_int, [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int]),
        ("adsi_tx_free", ctypes.c_int, [ctypes.c_void_p]),
        (
            "adsi_rx_init",
            ctypes.c_void_p,
            [ctypes.c_void_p, ctypes.c_int, _PutMessage, ctypes.c_void_p],
        ),
        ("adsi_rx", ctypes.c_int, [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int]),
        ("adsi_rx_free", ctypes.c_int, [ctypes.c_void_p]),
    ):
        function = getattr(lib, name)
        function.restype = restype
        function.argtypes = argtypes
    return lib


def dtmf_decode(samples: np.ndarray) -> str:
    """Digits spandsp's dtmf_rx hears in int16 audio."""
    lib = library()
    state = lib.dtmf_rx_init(None, None, None)
    audio = np.ascontiguousarray(samples, dtype=np.int16)
    digits = []
    buffer = ctypes.create_string_buffer(129)
    for start in range(0, len(audio), _CHUNK):
        chunk = audio[start : start + _CHUNK]
        lib.dtmf_rx(state, chunk.ctypes.data, len(chunk))
        count = lib.dtmf_rx_get(state, buffer, 128)
        digits.append(buffer.raw[:count].decode())
    lib.dtmf_rx_free(state)
    return "".join(digits)


def dtmf_generate(
    digits: str, *, level_dbm0: int = -10, twist_db: int = 0, on_ms: int = 50, off_ms: int = 55
) -> np.ndarray:
    """spandsp's dtmf_tx audio for `digits`."""
    lib = library()
    state = lib.dtmf_tx_init(None)
    lib.dtmf_tx_set_level(state, level_dbm0, twist_db)
    lib.dtmf_tx_set_timing(state, on_ms, off_ms)
    lib.dtmf_tx_put(state, digits.encode(), len(digits))
    out = np.zeros((len(digits) + 1) * (on_ms + off_ms) * 8, dtype=np.int16)
    produced = lib.dtmf_tx(state, out.ctypes.data, len(out))
    lib.dtmf_tx_free(state)
    return out[:produced]


def mdmf(message_type: int, fields: list[tuple[int, bytes]]) -> bytes:
    """An MDMF message (type, length, fields) for adsi_tx_put_message (it adds the sum)."""
    body = b"".join(bytes([kind, len(value)]) + value for kind, value in fields)
    return bytes([message_type, len(body)]) + body


def adsi_generate(standard: int, message: bytes) -> np.ndarray:
    """spandsp's adsi_tx audio carrying one message."""
    lib = library()
    state = lib.adsi_tx_init(None, standard)
    if lib.adsi_tx_put_message(state, message, len(message)) <= 0:
        raise AssertionError("adsi_tx refused the message")
    chunks = []
    chunk = np.zeros(_CHUNK, dtype=np.int16)
    while True:
        produced = lib.adsi_tx(state, chunk.ctypes.data, _CHUNK)
        if produced <= 0:
            break
        chunks.append(chunk[:produced].copy())
    lib.adsi_tx_free(state)
    return np.concatenate(chunks)


def adsi_decode(standard: int, samples: np.ndarray) -> list[bytes]:
    """Messages spandsp's adsi_rx decodes (FSK: type, length, body without the sum)."""
    lib = library()
    messages: list[bytes] = []

    def collect(_user: int | None, data: ctypes._Pointer, length: int) -> None:
        messages.append(bytes(data[:length]))

    callback = _PutMessage(collect)
    state = lib.adsi_rx_init(None, standard, callback, None)
    audio = np.ascontiguousarray(samples, dtype=np.int16)
    for start in range(0, len(audio), _CHUNK):
        chunk = audio[start : start + _CHUNK]
        lib.adsi_rx(state, chunk.ctypes.data, len(chunk))
    lib.adsi_rx_free(state)
    return messages
