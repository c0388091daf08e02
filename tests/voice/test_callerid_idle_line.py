"""Caller-ID decoders skip quiet line unanalysed: nothing a user sees may change by it.

Blocks shorter than a 20 ms chunk are never skipped, so feeding 100 samples at a time is
the reference every decoder hears in full.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from tests.voice.test_callerid_line import DBM0_POWER, FS, impair
from voice.callerid import (
    CallerId,
    CallerIdReceiver,
    CallerIdResult,
    CallerIdStandard,
    CallTime,
    DecodeStatus,
    DtmfCallerIdDecoder,
    FskCallerIdDecoder,
    encode_caller_id,
)

UNSKIPPED_BLOCK = 100
ENGINE_BLOCK = 160
CALLER = CallerId(number="6135551234", name="SMITH JOHN", time=CallTime(11, 30, 14, 5))
NUMBER_ONLY = CallerId(number="6135551234")


def quiet_line(seconds: float, rng: np.random.Generator, noise_dbm0: float = -65.0) -> np.ndarray:
    noise = rng.standard_normal(round(seconds * FS)) * np.sqrt(DBM0_POWER * 10 ** (noise_dbm0 / 10))
    return np.round(noise).astype(np.int16)


def receive(receiver: object, audio: np.ndarray, block: int) -> list[CallerIdResult]:
    results: list[CallerIdResult] = []
    for start in range(0, audio.size, block):
        results += receiver.feed(audio[start : start + block])  # type: ignore[attr-defined]
    return results


def summary(results: list[CallerIdResult]) -> list[tuple]:
    return [(r.standard, r.status, r.caller_id, r.sample) for r in results]


@pytest.mark.parametrize(
    ("standard", "level"),
    [
        (CallerIdStandard.BELL202, -35.0),
        (CallerIdStandard.ETSI_FSK, -35.0),
        (CallerIdStandard.DTMF, -35.0),
    ],
)
def test_weak_message_after_a_long_quiet_line_is_received_as_if_heard_in_full(
    standard: CallerIdStandard, level: float
) -> None:
    rng = np.random.default_rng(21)
    cid = NUMBER_ONLY if standard is CallerIdStandard.DTMF else CALLER
    message = impair(encode_caller_id(cid, standard), level=level, snr_db=25, rng=rng)
    line = np.concatenate((quiet_line(2.0, rng), message, quiet_line(1.0, rng)))
    heard_in_full = receive(CallerIdReceiver(), line, UNSKIPPED_BLOCK)
    assert [(r.standard, r.caller_id) for r in heard_in_full] == [(standard, cid)]
    assert summary(receive(CallerIdReceiver(), line, ENGINE_BLOCK)) == summary(heard_in_full)


@pytest.mark.parametrize("block", [ENGINE_BLOCK, 8000])
def test_single_standard_decoders_skip_quiet_line_without_losing_messages(block: int) -> None:
    rng = np.random.default_rng(22)
    decoders: list[tuple[Callable[[], object], CallerIdStandard, CallerId]] = [
        (lambda: FskCallerIdDecoder(CallerIdStandard.BELL202), CallerIdStandard.BELL202, CALLER),
        (lambda: FskCallerIdDecoder(CallerIdStandard.ETSI_FSK), CallerIdStandard.ETSI_FSK, CALLER),
        (DtmfCallerIdDecoder, CallerIdStandard.DTMF, NUMBER_ONLY),
    ]
    for make, standard, cid in decoders:
        message = impair(encode_caller_id(cid, standard), level=-30, snr_db=30, rng=rng)
        line = np.concatenate((quiet_line(3.0, rng), message, quiet_line(0.5, rng), message))
        results = receive(make(), line, block)
        assert [(r.status, r.caller_id) for r in results] == [(DecodeStatus.OK, cid)] * 2
        heard_in_full = receive(make(), line, UNSKIPPED_BLOCK)
        assert [r.sample for r in results] == [r.sample for r in heard_in_full]


def test_dtmf_message_that_stops_on_a_quiet_line_is_reported_where_it_stopped() -> None:
    rng = np.random.default_rng(23)
    digits = encode_caller_id(NUMBER_ONLY, CallerIdStandard.DTMF)
    cut = impair(digits[: digits.size // 2], level=-20, snr_db=30, rng=rng)
    line = np.concatenate((quiet_line(1.0, rng), cut, quiet_line(3.0, rng)))
    heard_in_full = receive(DtmfCallerIdDecoder(), line, UNSKIPPED_BLOCK)
    assert [r.status for r in heard_in_full] == [DecodeStatus.TRUNCATED]
    [skipping] = receive(DtmfCallerIdDecoder(), line, ENGINE_BLOCK)
    assert (skipping.status, skipping.raw) == (heard_in_full[0].status, heard_in_full[0].raw)
    # Reported where the pause grew too long, whatever the blocks.
    assert skipping.sample == heard_in_full[0].sample


def test_quiet_may_be_skipped_only_by_an_idle_decoder() -> None:
    decoder = DtmfCallerIdDecoder()
    tone = encode_caller_id(NUMBER_ONLY, CallerIdStandard.DTMF)[:400]
    decoder.feed(tone)
    assert not decoder.idle
    with pytest.raises(RuntimeError, match="only while idle"):
        decoder.skip(ENGINE_BLOCK)
