"""DTMF caller ID as audio: the encoder and the streaming decoder.

The decoder runs the system's DTMF receiver (`voice.dtmf_rx`) with SENSITIVITY_GAIN_DB of
extra gain applied in floating point (nothing clips), because caller ID arrives on-hook
through the whole line loss and must be read down to −35 dBm0, below what a dialling
receiver needs to accept. Digits are collected from a start digit (A, B or D, or a plain
digit for the bare `<number>#` form) to the terminator (C or #). Once no digit sounds and the
receiver has heard HANGOVER_SAMPLES of quiet, quiet 20 ms chunks are skipped unanalysed
(`quiet`) and the receiver starts afresh on the next loud one.

Audio is analysed in batches: it waits until HANGOVER_SAMPLES of quiet have followed the
last loud chunk (the gap after a digit, or the end of the message) or ANALYSIS_SAMPLES have
gathered. The receiver's cost is mostly per call, so a digit and the pause after it analysed
together cost about what one chunk does. No result comes much later than before: a
message's terminator is followed by quiet, which flushes it within HANGOVER_SAMPLES, and a
line too noisy ever to be quiet delays a result at most ANALYSIS_SAMPLES (160 ms).
"""

from __future__ import annotations

import logging

import numpy as np

from voice.dtmf_rx import DtmfReceiver
from voice.dtmf_tx import DtmfGenerator
from voice.level import SAMPLE_RATE_HZ

from .dtmf_format import (
    TERMINATORS,
    DtmfFormat,
    MalformedDtmfMessage,
    dtmf_string,
    parse_dtmf_string,
)
from .model import CallerId, CallerIdResult, CallerIdStandard, DecodeStatus
from .quiet import CHUNK_SAMPLES, quiet_samples

log = logging.getLogger(__name__)

DIGIT_ON_MS = 70.0
DIGIT_OFF_MS = 70.0
DEFAULT_LEVEL_DBM0 = -7.0  # low-group tone
DEFAULT_TWIST_DB = 2.0
SENSITIVITY_GAIN_DB = 12.0
MAX_DIGIT_GAP_MS = 1000.0  # a longer silence abandons a message in progress
MAX_MESSAGE_DIGITS = 40
# Quiet heard after the last loud chunk before quiet may be skipped: more than the
# receiver's 25 ms analysis window, so a digit ending there is still decided on.
HANGOVER_SAMPLES = 2 * CHUNK_SAMPLES
ANALYSIS_SAMPLES = 8 * CHUNK_SAMPLES  # the most audio left waiting for analysis


def encode_dtmf(
    caller_id: CallerId,
    fmt: DtmfFormat = DtmfFormat.A_C,
    *,
    level_dbm0: float = DEFAULT_LEVEL_DBM0,
    twist_db: float = DEFAULT_TWIST_DB,
    on_ms: float = DIGIT_ON_MS,
    off_ms: float = DIGIT_OFF_MS,
) -> np.ndarray:
    """Complete int16 audio sending `caller_id` as DTMF digits in `fmt`."""
    generator = DtmfGenerator(on_ms=on_ms, off_ms=off_ms, level_dbm0=level_dbm0, twist_db=twist_db)
    return generator.signal(dtmf_string(caller_id, fmt))


class DtmfCallerIdDecoder:
    """Streaming DTMF caller-ID decoder: audio in, messages out."""

    standard = CallerIdStandard.DTMF

    def __init__(self) -> None:
        self._gain = 10.0 ** (SENSITIVITY_GAIN_DB / 20.0)
        self._max_gap = round(MAX_DIGIT_GAP_MS * SAMPLE_RATE_HZ / 1000.0)
        self._receiver = DtmfReceiver(report_ends=False)  # a message is read from starts
        self.reset()

    def reset(self) -> None:
        self._receiver.reset()
        self._offset = 0  # absolute sample number of the receiver's sample 0
        self._skipped = False  # quiet audio went by unheard since the receiver last listened
        # Quiet samples the receiver heard since the last loud chunk (a new one heard none).
        self._quiet_run = HANGOVER_SAMPLES
        self._digits = ""
        self._last_digit_at = 0
        self._waiting: list[np.ndarray] = []  # loud audio not analysed yet
        self._waiting_samples = 0
        self.last_format: DtmfFormat | None = None

    @property
    def position(self) -> int:
        """Samples fed so far, heard, skipped or waiting for analysis."""
        return self._analysed + self._waiting_samples

    @property
    def _analysed(self) -> int:
        return self._offset + (0 if self._skipped else self._receiver.position)

    @property
    def collecting(self) -> bool:
        """Digits of a message have been heard and its terminator has not."""
        return bool(self._digits)

    @property
    def sending_message(self) -> bool:
        """At least two digits of a message heard and its terminator not yet: the line is
        carrying a DTMF caller ID (a lone digit may be a click or a word that sounded like
        one)."""
        return len(self._digits) >= 2

    @property
    def idle(self) -> bool:
        """No digit sounding and the receiver's window has emptied: quiet may be skipped."""
        return (
            not self._waiting
            and self._receiver.digit_in_progress is None
            and self._quiet_run >= HANGOVER_SAMPLES
        )

    def skip(self, count: int) -> list[CallerIdResult]:
        """Pass over `count` samples of quiet line while idle, without analysing them."""
        if not self.idle:
            raise RuntimeError("the DTMF caller-ID decoder can skip audio only while idle")
        return self._skip(count)

    def _skip(self, count: int) -> list[CallerIdResult]:
        if not self._skipped:
            self._offset = self.position
            self._skipped = True
        self._offset += count
        results: list[CallerIdResult] = []
        if self._digits and self.position - self._last_digit_at > self._max_gap:
            self._abandon(results, self._pause_too_long_at)
        return results

    def feed(self, samples: np.ndarray) -> list[CallerIdResult]:
        """Process a block of any length; return the messages completed within it."""
        block = np.asarray(samples)
        results: list[CallerIdResult] = []
        if self.idle:
            leading = quiet_samples(block)
            if leading:
                results += self._skip(leading)
                block = block[leading:]
            quiet = False  # what is left starts loud, or is too short to be judged quiet
        else:
            quiet = quiet_samples(block) == block.size
        if block.size:
            self._listen(block, quiet, results)
        return results

    def _listen(self, block: np.ndarray, quiet: bool, results: list[CallerIdResult]) -> None:
        self._quiet_run = self._quiet_run + block.size if quiet else 0
        self._waiting.append(block.copy())  # the caller may reuse its buffer
        self._waiting_samples += block.size
        if self._quiet_run >= HANGOVER_SAMPLES or self._waiting_samples >= ANALYSIS_SAMPLES:
            self._analyse(results)

    def _analyse(self, results: list[CallerIdResult]) -> None:
        """Run the receiver over the audio waiting for it."""
        if self._skipped:
            # Skipped audio was quiet and came after the window emptied: a fresh receiver
            # hears the rest as the old one would have.
            self._receiver.reset()
            self._skipped = False
        waiting = self._waiting[0] if len(self._waiting) == 1 else np.concatenate(self._waiting)
        block = np.asarray(waiting, dtype=np.float64) * self._gain
        self._waiting.clear()
        self._waiting_samples = 0
        for event in self._receiver.feed(block):
            start = self._offset + event.start_sample
            if self._digits and start - self._last_digit_at > self._max_gap:
                self._abandon(results, start)
            self._last_digit_at = start
            self._on_digit(event.digit, start, results)
        idle = self.position - self._last_digit_at
        if self._digits and self._receiver.digit_in_progress is None and idle > self._max_gap:
            self._abandon(results, self._pause_too_long_at)

    @property
    def _pause_too_long_at(self) -> int:
        """The sample at which the pause after the last digit grew longer than allowed:
        where an abandoned message is reported, however the audio came in blocks."""
        return self._last_digit_at + self._max_gap + 1

    def _on_digit(self, digit: str, sample: int, results: list[CallerIdResult]) -> None:
        if not self._digits:
            if digit in TERMINATORS or digit == "*":
                return  # not the start of a caller-ID message
            self._digits = digit
            return
        self._digits += digit
        if digit in TERMINATORS:
            results.append(self._finish(sample))
        elif len(self._digits) > MAX_MESSAGE_DIGITS:
            log.info("DTMF caller ID longer than %d digits dropped", MAX_MESSAGE_DIGITS)
            self._digits = ""

    def _finish(self, sample: int) -> CallerIdResult:
        digits, self._digits = self._digits, ""
        raw = digits.encode("ascii")
        try:
            caller_id, fmt = parse_dtmf_string(digits)
        except MalformedDtmfMessage as error:
            log.info("DTMF caller ID malformed: %s", error)
            return CallerIdResult(
                standard=self.standard,
                status=DecodeStatus.MALFORMED,
                raw=raw,
                detail=str(error),
                sample=sample,
            )
        self.last_format = fmt
        return CallerIdResult(
            standard=self.standard,
            status=DecodeStatus.OK,
            caller_id=caller_id,
            raw=raw,
            detail=fmt.value if fmt is not None else "<number>#",
            sample=sample,
        )

    def _abandon(self, results: list[CallerIdResult], sample: int) -> None:
        digits, self._digits = self._digits, ""
        if len(digits) < 2:
            return  # a lone digit is not a message
        log.info("DTMF caller ID %r stopped before its terminator", digits)
        results.append(
            CallerIdResult(
                standard=self.standard,
                status=DecodeStatus.TRUNCATED,
                raw=digits.encode("ascii"),
                detail="no terminator before the digits stopped",
                sample=sample,
            )
        )
