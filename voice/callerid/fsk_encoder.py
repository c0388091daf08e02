"""Caller-ID FSK transmission: complete audio for one message.

Layout on the line: optional DT-AS dual-tone alert (ETSI, 2130 + 2750 Hz) and a silent gap,
then the channel seizure (alternating bits), the mark period, the message characters
(start bit, eight data bits LSB first, stop bit) and a few trailing mark bits, with short
raised-cosine ramps so the carrier starts and stops without a click.
"""

from __future__ import annotations

import numpy as np

from voice.fsk import BELL202, DEFAULT_LEVEL_DBM0, V23, FskModulator, FskSpec
from voice.level import SAMPLE_RATE_HZ, dbm0_to_amplitude

from .messages import caller_id_frame
from .model import CallerId, CallerIdStandard

SEIZURE_BITS = 300
MARK_BITS = 180
POSTAMBLE_BITS = 6
STOP_BITS = 1
RAMP_MS = 2.0
DT_AS_HZ = (2130.0, 2750.0)
DT_AS_MS = 100.0
DT_AS_GAP_MS = 100.0  # from the end of the alert to the start of the data


def modem_for(standard: CallerIdStandard) -> FskSpec:
    """The FSK modem a caller-ID standard uses."""
    if standard is CallerIdStandard.BELL202:
        return BELL202
    if standard is CallerIdStandard.ETSI_FSK:
        return V23
    raise ValueError(f"{standard.description} caller ID is not sent with FSK")


def frame_bits(
    frame: bytes,
    *,
    seizure_bits: int = SEIZURE_BITS,
    mark_bits: int = MARK_BITS,
    stop_bits: int = STOP_BITS,
    postamble_bits: int = POSTAMBLE_BITS,
) -> np.ndarray:
    """The bit sequence for a frame: seizure, marks, start/data/stop characters, marks."""
    if min(seizure_bits, mark_bits, postamble_bits) < 0 or stop_bits < 1:
        raise ValueError("bit counts must be non-negative and stop_bits at least 1")
    seizure = np.arange(seizure_bits) % 2  # 0101..., as 0x55 characters would send
    octets = np.frombuffer(frame, dtype=np.uint8)
    data = (octets[:, None] >> np.arange(8)) & 1
    characters = np.concatenate(
        (
            np.zeros((octets.size, 1), dtype=np.int64),
            data.astype(np.int64),
            np.ones((octets.size, stop_bits), dtype=np.int64),
        ),
        axis=1,
    ).ravel()
    return np.concatenate(
        (
            seizure,
            np.ones(mark_bits, dtype=np.int64),
            characters,
            np.ones(postamble_bits, dtype=np.int64),
        )
    ).astype(np.int64)


def dt_as_alert(
    level_dbm0: float = DEFAULT_LEVEL_DBM0, duration_ms: float = DT_AS_MS
) -> np.ndarray:
    """The ETSI dual-tone alerting signal, each tone at `level_dbm0`, ramped in and out."""
    count = round(duration_ms * SAMPLE_RATE_HZ / 1000.0)
    t = np.arange(count) / SAMPLE_RATE_HZ
    amplitude = dbm0_to_amplitude(level_dbm0)
    tone = amplitude * (np.sin(2 * np.pi * DT_AS_HZ[0] * t) + np.sin(2 * np.pi * DT_AS_HZ[1] * t))
    return np.round(_ramped(tone)).astype(np.int16)


def encode_frame_audio(
    frame: bytes,
    standard: CallerIdStandard,
    *,
    level_dbm0: float = DEFAULT_LEVEL_DBM0,
    seizure_bits: int = SEIZURE_BITS,
    mark_bits: int = MARK_BITS,
    stop_bits: int = STOP_BITS,
    alert: bool = False,
    alert_gap_ms: float = DT_AS_GAP_MS,
) -> np.ndarray:
    """Audio for an already built frame (type, length, payload, checksum)."""
    bits = frame_bits(frame, seizure_bits=seizure_bits, mark_bits=mark_bits, stop_bits=stop_bits)
    modulator = FskModulator(modem_for(standard), level_dbm0)
    data = np.round(_ramped(modulator.modulate(bits).astype(np.float64))).astype(np.int16)
    if not alert:
        return data
    gap = np.zeros(round(alert_gap_ms * SAMPLE_RATE_HZ / 1000.0), dtype=np.int16)
    return np.concatenate((dt_as_alert(level_dbm0), gap, data))


def encode_fsk(
    caller_id: CallerId,
    standard: CallerIdStandard = CallerIdStandard.BELL202,
    *,
    sdmf: bool = False,
    level_dbm0: float = DEFAULT_LEVEL_DBM0,
    seizure_bits: int = SEIZURE_BITS,
    mark_bits: int = MARK_BITS,
    alert: bool = False,
    alert_gap_ms: float = DT_AS_GAP_MS,
) -> np.ndarray:
    """Complete int16 audio announcing `caller_id` in a Bell 202 or ETSI FSK standard.

    `sdmf` picks the Bell single-message format (number and time only); `alert` prefixes
    the ETSI DT-AS tone, used when no ring or line reversal wakes the receiver.
    """
    frame = caller_id_frame(caller_id, standard, sdmf=sdmf)
    return encode_frame_audio(
        frame,
        standard,
        level_dbm0=level_dbm0,
        seizure_bits=seizure_bits,
        mark_bits=mark_bits,
        alert=alert,
        alert_gap_ms=alert_gap_ms,
    )


def _ramped(audio: np.ndarray) -> np.ndarray:
    ramp_samples = min(round(RAMP_MS * SAMPLE_RATE_HZ / 1000.0), audio.size // 2)
    if ramp_samples == 0:
        return audio
    ramp = 0.5 - 0.5 * np.cos(np.pi * (np.arange(ramp_samples) + 0.5) / ramp_samples)
    shaped = audio.astype(np.float64).copy()
    shaped[:ramp_samples] *= ramp
    shaped[-ramp_samples:] *= ramp[::-1]
    return shaped
