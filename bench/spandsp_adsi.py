"""ctypes bindings for spandsp's caller-ID transmitter and receiver (adsi_tx / adsi_rx).

An independent implementation of Bell 202 CLASS, ETSI CLIP and DTMF CLIP, used by the tests
to make reference audio for our decoders and to decode our encoders' audio, and by the
benchmarks to compare costs. Bound to the prototypes of the installed 0.0.6 headers.
"""

from __future__ import annotations

import ctypes
from functools import cache

import numpy as np

from bench.spandsp import load_library

ADSI_STANDARD_CLASS = 1
ADSI_STANDARD_CLIP = 2
ADSI_STANDARD_CLIP_DTMF = 5

MESSAGE_BUFFER_BYTES = 256
GENERATE_CHUNK_SAMPLES = 160

_PutMsg = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.POINTER(ctypes.c_uint8), ctypes.c_int)


@cache
def _bound() -> ctypes.CDLL | None:
    lib = load_library()
    if lib is None:
        return None
    lib.adsi_tx_init.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.adsi_tx_init.restype = ctypes.c_void_p
    lib.adsi_tx_free.argtypes = [ctypes.c_void_p]
    lib.adsi_tx_free.restype = ctypes.c_int
    lib.adsi_tx_set_preamble.argtypes = [ctypes.c_void_p] + [ctypes.c_int] * 4
    lib.adsi_tx_set_preamble.restype = None
    lib.adsi_tx_send_alert_tone.argtypes = [ctypes.c_void_p]
    lib.adsi_tx_send_alert_tone.restype = None
    lib.adsi_tx_put_message.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    lib.adsi_tx_put_message.restype = ctypes.c_int
    lib.adsi_tx.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int16), ctypes.c_int]
    lib.adsi_tx.restype = ctypes.c_int
    lib.adsi_add_field.argtypes = [
        ctypes.c_void_p,
        ctypes.POINTER(ctypes.c_uint8),
        ctypes.c_int,
        ctypes.c_uint8,
        ctypes.c_char_p,
        ctypes.c_int,
    ]
    lib.adsi_add_field.restype = ctypes.c_int
    lib.adsi_rx_init.argtypes = [ctypes.c_void_p, ctypes.c_int, _PutMsg, ctypes.c_void_p]
    lib.adsi_rx_init.restype = ctypes.c_void_p
    lib.adsi_rx_free.argtypes = [ctypes.c_void_p]
    lib.adsi_rx_free.restype = ctypes.c_int
    lib.adsi_rx.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int16), ctypes.c_int]
    lib.adsi_rx.restype = ctypes.c_int
    return lib


def available() -> bool:
    """True when libspandsp2 is installed."""
    return _bound() is not None


def _library() -> ctypes.CDLL:
    lib = _bound()
    if lib is None:
        raise RuntimeError("libspandsp2 is not installed (apt-get install libspandsp2)")
    return lib


class AdsiTransmitter:
    """spandsp's caller-ID transmitter for one standard."""

    def __init__(self, standard: int) -> None:
        self._lib = _library()
        self.standard = standard
        self._state = self._lib.adsi_tx_init(None, standard)
        if not self._state:
            raise RuntimeError("adsi_tx_init failed")

    def close(self) -> None:
        if self._state:
            self._lib.adsi_tx_free(self._state)
            self._state = None

    def __del__(self) -> None:
        self.close()

    def set_preamble(
        self, seizure_bits: int, mark_bits: int, postamble_bits: int, stop_bits: int
    ) -> None:
        """Channel seizure, mark period, trailing marks and stop bits (-1 keeps a default)."""
        self._lib.adsi_tx_set_preamble(
            self._state, seizure_bits, mark_bits, postamble_bits, stop_bits
        )

    def send_alert_tone(self) -> None:
        self._lib.adsi_tx_send_alert_tone(self._state)

    def build_message(self, message_type: int, fields: list[tuple[int, bytes]]) -> bytes:
        """A message assembled by spandsp's own adsi_add_field (type first, then fields).

        For DTMF standards `message_type` is the terminating digit ('C' or '#') and each
        field type is its start digit (0 for none).
        """
        buffer = (ctypes.c_uint8 * MESSAGE_BUFFER_BYTES)()
        length = self._lib.adsi_add_field(self._state, buffer, -1, message_type, None, 0)
        for field_type, body in fields:
            length = self._lib.adsi_add_field(
                self._state, buffer, length, field_type, body, len(body)
            )
        return bytes(buffer[:length])

    def put_message(self, message: bytes) -> None:
        """Queue a message; for FSK standards spandsp adds the checksum."""
        if self._lib.adsi_tx_put_message(self._state, message, len(message)) <= 0:
            raise RuntimeError("adsi_tx_put_message refused the message")

    def generate(self, max_samples: int = 8000 * 10) -> np.ndarray:
        """Audio until the transmitter goes quiet (or `max_samples`)."""
        out: list[np.ndarray] = []
        produced = 0
        while produced < max_samples:
            chunk = np.zeros(GENERATE_CHUNK_SAMPLES, dtype=np.int16)
            count = self._lib.adsi_tx(
                self._state,
                chunk.ctypes.data_as(ctypes.POINTER(ctypes.c_int16)),
                GENERATE_CHUNK_SAMPLES,
            )
            if count <= 0:
                break
            out.append(chunk[:count])
            produced += count
        return np.concatenate(out) if out else np.zeros(0, dtype=np.int16)


class AdsiReceiver:
    """spandsp's caller-ID receiver; collects the messages it reports."""

    def __init__(self, standard: int) -> None:
        self._lib = _library()
        self.standard = standard
        self.messages: list[bytes] = []
        self._callback = _PutMsg(self._on_message)  # kept alive as long as the receiver
        self._state = self._lib.adsi_rx_init(None, standard, self._callback, None)
        if not self._state:
            raise RuntimeError("adsi_rx_init failed")

    def _on_message(self, _user: int | None, message: ctypes.Array, length: int) -> None:
        self.messages.append(bytes(message[:length]))

    def close(self) -> None:
        if self._state:
            self._lib.adsi_rx_free(self._state)
            self._state = None

    def __del__(self) -> None:
        self.close()

    def feed(self, samples: np.ndarray) -> list[bytes]:
        """Process audio; return the messages completed within it."""
        before = len(self.messages)
        block = np.ascontiguousarray(samples, dtype=np.int16)
        self._lib.adsi_rx(
            self._state, block.ctypes.data_as(ctypes.POINTER(ctypes.c_int16)), block.size
        )
        return self.messages[before:]
