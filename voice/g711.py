"""ITU-T G.711 µ-law and A-law: encode, decode and transcode, vectorised through tables.

Linear samples are int16 on the 16-bit scale. µ-law works on the top 14 bits and A-law on the
top 13 bits, as in the ITU-T G.191 reference software: a negative sample's magnitude is taken
as its one's complement (−1 − x), so the mapping is symmetric about −½. Decoding returns the
segment mid-points on the 16-bit scale (µ-law peak 32 124, A-law peak 32 256).

Every function is a table lookup: encoding indexes a 65 536-entry table with the sample's
bit pattern, decoding a 256-entry table with the code.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

Law = Literal["ulaw", "alaw"]
LAWS: tuple[Law, ...] = ("ulaw", "alaw")

ULAW_SILENCE = 0xFF  # positive zero
ALAW_SILENCE = 0xD5  # positive smallest level (+8), what an A-law encoder sends for 0
SILENCE_BYTE: dict[Law, int] = {"ulaw": ULAW_SILENCE, "alaw": ALAW_SILENCE}

ULAW_BIAS = 33  # on the 14-bit scale
ALAW_XOR_MASK = 0x55  # G.711 inverts the even bits of A-law codes


def _all_int16() -> NDArray[np.int64]:
    """Every int16 value, ordered by its bit pattern (the index an encoder table is read at)."""
    return np.arange(65536, dtype=np.uint16).view(np.int16).astype(np.int64)


def _leading_bit(values: NDArray[np.int64]) -> NDArray[np.int64]:
    """Index of the highest set bit of positive integers (exact, no floating-point log)."""
    return np.frexp(values.astype(np.float64))[1].astype(np.int64) - 1


def _magnitude_and_sign(x: NDArray[np.int64], shift: int) -> tuple[NDArray[np.int64], NDArray]:
    positive = x >= 0
    magnitude = np.where(positive, x, -1 - x) >> shift
    return magnitude, positive


def _build_ulaw_encoder() -> NDArray[np.uint8]:
    x = _all_int16()
    magnitude, positive = _magnitude_and_sign(x, 2)
    biased = np.minimum(magnitude + ULAW_BIAS, 0x1FFF)  # larger magnitudes clip to the top code
    # Segment = position of the leading one above bit 5 (biased values start at 33 ≥ 2^5).
    segment = _leading_bit(biased) - 5
    step = (biased >> (segment + 1)) & 0x0F
    code = (segment << 4) | step
    code = np.where(positive, code, code | 0x80)  # µ-law sends every bit inverted
    return (~code & 0xFF).astype(np.uint8)


def _build_alaw_encoder() -> NDArray[np.uint8]:
    x = _all_int16()
    magnitude, positive = _magnitude_and_sign(x, 3)  # 0 … 4095 on the 13-bit scale
    segment = np.clip(_leading_bit(np.maximum(magnitude, 1)) - 4, 0, 7)
    step = np.where(segment == 0, magnitude >> 1, magnitude >> segment) & 0x0F
    code = (segment << 4) | step
    code = np.where(positive, code | 0x80, code)
    return (code ^ ALAW_XOR_MASK).astype(np.uint8)


def _build_ulaw_decoder() -> NDArray[np.int16]:
    code = ~np.arange(256, dtype=np.int64) & 0xFF
    segment = (code >> 4) & 0x07
    step = code & 0x0F
    magnitude = (((step << 1) + ULAW_BIAS) << segment) - ULAW_BIAS  # 14-bit scale
    linear = np.where(code & 0x80, -magnitude, magnitude) << 2
    return linear.astype(np.int16)


def _build_alaw_decoder() -> NDArray[np.int16]:
    code = np.arange(256, dtype=np.int64) ^ ALAW_XOR_MASK
    segment = (code >> 4) & 0x07
    step = code & 0x0F
    magnitude = np.where(segment == 0, (step << 1) + 1, ((step << 1) + 33) << (segment - 1))
    linear = np.where(code & 0x80, magnitude, -magnitude) << 3
    return linear.astype(np.int16)


_ENCODERS: dict[Law, NDArray[np.uint8]] = {
    "ulaw": _build_ulaw_encoder(),
    "alaw": _build_alaw_encoder(),
}
_DECODERS: dict[Law, NDArray[np.int16]] = {
    "ulaw": _build_ulaw_decoder(),
    "alaw": _build_alaw_decoder(),
}


def _check_law(law: str) -> Law:
    if law not in LAWS:
        raise ValueError(f"unknown G.711 law {law!r}; use 'ulaw' or 'alaw'")
    return law  # type: ignore[return-value]


def _codes(codes: bytes | bytearray | ArrayLike) -> NDArray[np.uint8]:
    if isinstance(codes, bytes | bytearray | memoryview):
        return np.frombuffer(codes, dtype=np.uint8)
    array = np.asarray(codes)
    if array.dtype != np.uint8:
        if array.size and (array.min() < 0 or array.max() > 255):
            raise ValueError("G.711 codes must be bytes (0…255)")
        array = array.astype(np.uint8)
    return array


def encode(samples: ArrayLike, law: Law) -> NDArray[np.uint8]:
    """int16 samples to G.711 codes of `law`."""
    table = _ENCODERS[_check_law(law)]
    x = np.asarray(samples)
    if x.dtype != np.int16:
        x = np.clip(np.rint(x), -32768, 32767).astype(np.int16)
    return table[x.view(np.uint16)]


def decode(codes: bytes | bytearray | ArrayLike, law: Law) -> NDArray[np.int16]:
    """G.711 codes of `law` (bytes or a uint8 array) to int16 samples."""
    return _DECODERS[_check_law(law)][_codes(codes)]


def ulaw_encode(samples: ArrayLike) -> NDArray[np.uint8]:
    return encode(samples, "ulaw")


def ulaw_decode(codes: bytes | bytearray | ArrayLike) -> NDArray[np.int16]:
    return decode(codes, "ulaw")


def alaw_encode(samples: ArrayLike) -> NDArray[np.uint8]:
    return encode(samples, "alaw")


def alaw_decode(codes: bytes | bytearray | ArrayLike) -> NDArray[np.int16]:
    return decode(codes, "alaw")


_TRANSCODE: dict[tuple[Law, Law], NDArray[np.uint8]] = {
    (source, target): encode(_DECODERS[source], target) for source in LAWS for target in LAWS
}


def transcode(codes: bytes | bytearray | ArrayLike, source: Law, target: Law) -> NDArray[np.uint8]:
    """Codes of one law to the other (decode, then encode the reconstructed level)."""
    return _TRANSCODE[(_check_law(source), _check_law(target))][_codes(codes)]


def through(samples: ArrayLike, law: Law) -> NDArray[np.int16]:
    """What `samples` become after one pass through a G.711 channel of `law`."""
    return decode(encode(samples, law), law)


def silence(samples: int, law: Law) -> bytes:
    """`samples` bytes of G.711 silence for `law`."""
    return bytes([SILENCE_BYTE[_check_law(law)]]) * samples
