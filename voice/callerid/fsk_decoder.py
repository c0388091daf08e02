"""Caller-ID FSK reception: audio in, decoded messages (or the reason there is none) out.

A message starts with a known message-type character that follows at least
`MIN_MARK_BITS` of continuous mark (the seizure's alternating bits frame as characters with
no idle time between them, so they never start one). The length octet says how many
characters follow; the checksum decides. A lost carrier or a long pause inside a message
reports it truncated. The mark frequency measured over the mark period travels with the
result, which is how the auto-detecting receiver tells Bell 202 from V.23. While idle (no
carrier, no message) the decoder skips quiet 20 ms chunks unanalysed (`quiet`).
"""

from __future__ import annotations

import logging

import numpy as np

from voice.fsk import FskDemodulator
from voice.fsk_framing import AsyncChar, AsyncFramer, CarrierDrop
from voice.level import SAMPLE_RATE_HZ

from .fsk_encoder import modem_for
from .messages import SUPPORTED_TYPES, MalformedMessage, checksum_ok, parse_frame
from .model import CallerIdResult, CallerIdStandard, DecodeStatus
from .quiet import quiet_samples

log = logging.getLogger(__name__)

MIN_MARK_BITS = 40  # shortest mark period accepted before a message (Bell CW: 80, ETSI 80±25)
MAX_GAP_BITS = 20  # longest mark run tolerated between two characters of one message
HISTORY_SAMPLES = 4096  # band-limited audio kept for measuring the mark tone
MARK_EDGE_BITS = 3  # trimmed from each end of the mark period before measuring it
MIN_MARK_MEASURE_SAMPLES = 80
MARK_SMOOTHING_SAMPLES = 27  # moving average that removes the mixer's image (> 2 kHz)


class FskCallerIdDecoder:
    """Streaming decoder for one FSK caller-ID standard (Bell 202 or ETSI V.23)."""

    def __init__(self, standard: CallerIdStandard = CallerIdStandard.BELL202) -> None:
        self.standard = standard
        self.spec = modem_for(standard)
        self._demodulator = FskDemodulator(self.spec)
        self._framer = AsyncFramer(self.spec.samples_per_bit, MIN_MARK_BITS)
        self.reset()

    def reset(self) -> None:
        """Forget everything heard so far (the next message starts from scratch)."""
        self._demodulator.reset()
        self._framer.reset()
        self._history = np.zeros(HISTORY_SAMPLES)
        self._received = 0  # samples fed in total
        self._message: bytearray | None = None
        self._framing_error = False
        self._mark_hz: float | None = None

    @property
    def position(self) -> int:
        """Samples fed so far, heard or skipped."""
        return self._received

    @property
    def idle(self) -> bool:
        """No carrier and no message in progress: quiet audio may be skipped."""
        return self._message is None and self._framer.hunting and not self._demodulator.carrier

    def skip(self, count: int) -> list[CallerIdResult]:
        """Pass over `count` samples of quiet line while idle, without analysing them.

        Nothing can complete in them (the list is always empty). The demodulator's filters
        simply continue on the next block: quiet joins quiet.
        """
        if not self.idle:
            raise RuntimeError("the FSK caller-ID decoder can skip audio only while idle")
        self._framer.skip(count)
        self._received += count
        return []

    def feed(self, samples: np.ndarray) -> list[CallerIdResult]:
        """Process a block of any length; return the messages completed within it."""
        block = np.asarray(samples)
        if self.idle:
            quiet = quiet_samples(block)
            if quiet:
                self.skip(quiet)
                block = block[quiet:]
                if block.size == 0:
                    return []
        soft = self._demodulator.process(block)
        self._remember(soft.filtered)
        results: list[CallerIdResult] = []
        for event in self._framer.push(soft.decision, soft.carrier):
            if isinstance(event, CarrierDrop):
                self._truncate(results, "carrier lost inside the message", event.sample)
            else:
                self._on_char(event, results)
        if self._message is None:
            self._framer.hunt()
        return results

    def _remember(self, filtered: np.ndarray) -> None:
        """Keep the band-limited audio in a ring indexed by absolute sample number."""
        self._received += filtered.size
        newest = filtered[max(0, filtered.size - HISTORY_SAMPLES) :]
        first = (self._received - newest.size) % HISTORY_SAMPLES
        head = min(newest.size, HISTORY_SAMPLES - first)
        self._history[first : first + head] = newest[:head]
        self._history[: newest.size - head] = newest[head:]

    def _on_char(self, char: AsyncChar, results: list[CallerIdResult]) -> None:
        if self._message is not None and char.idle_bits > MAX_GAP_BITS:
            self._truncate(results, "pause inside the message", int(char.sample))
        if self._message is None:
            self._maybe_start(char)
            return
        self._message.append(char.value)
        self._framing_error |= char.framing_error
        if len(self._message) >= 2 and len(self._message) == self._message[1] + 3:
            results.append(self._finish(int(char.sample)))

    def _maybe_start(self, char: AsyncChar) -> None:
        if char.idle_bits < MIN_MARK_BITS or char.framing_error:
            return
        if char.value not in SUPPORTED_TYPES:
            log.debug("ignoring FSK message type 0x%02X on %s", char.value, self.spec.name)
            return
        self._message = bytearray([char.value])
        self._framing_error = False
        self._mark_hz = self._measure_mark(char)

    def _finish(self, end_sample: int) -> CallerIdResult:
        assert self._message is not None
        frame = bytes(self._message)
        self._message = None
        common = {
            "standard": self.standard,
            "raw": frame,
            "message_type": frame[0],
            "mark_hz": self._mark_hz,
            "sample": end_sample,
        }
        if self._framing_error:
            log.info("%s caller-ID message with a framing error", self.spec.name)
            return CallerIdResult(status=DecodeStatus.FRAMING_ERROR, **common)  # type: ignore[arg-type]
        if not checksum_ok(frame):
            log.info("%s caller-ID checksum error in %s", self.spec.name, frame.hex())
            return CallerIdResult(status=DecodeStatus.CHECKSUM_ERROR, **common)  # type: ignore[arg-type]
        try:
            caller_id = parse_frame(frame)
        except MalformedMessage as error:
            log.info("%s caller-ID message malformed: %s", self.spec.name, error)
            return CallerIdResult(
                status=DecodeStatus.MALFORMED,
                detail=str(error),
                **common,  # type: ignore[arg-type]
            )
        return CallerIdResult(status=DecodeStatus.OK, caller_id=caller_id, **common)  # type: ignore[arg-type]

    def _truncate(self, results: list[CallerIdResult], why: str, sample: int) -> None:
        if self._message is None:
            return
        frame = bytes(self._message)
        self._message = None
        log.info("%s caller-ID message truncated: %s", self.spec.name, why)
        results.append(
            CallerIdResult(
                standard=self.standard,
                status=DecodeStatus.TRUNCATED,
                raw=frame,
                message_type=frame[0],
                detail=why,
                mark_hz=self._mark_hz,
                sample=sample,
            )
        )

    def _measure_mark(self, char: AsyncChar) -> float | None:
        """Frequency of the mark tone over the mark period before `char`, in Hz."""
        spb = self.spec.samples_per_bit
        end = char.sample - MARK_EDGE_BITS * spb
        start = char.sample - (char.idle_bits - MARK_EDGE_BITS) * spb
        oldest = self._received - HISTORY_SAMPLES
        first = max(int(np.ceil(start)), oldest)
        last = int(np.floor(end))
        if last - first < MIN_MARK_MEASURE_SAMPLES:
            return None
        n = np.arange(first, last)
        segment = self._history.take(n, mode="wrap")
        mixed = segment * np.exp(-2j * np.pi * self.spec.mark_hz * n / SAMPLE_RATE_HZ)
        kernel = np.ones(MARK_SMOOTHING_SAMPLES) / MARK_SMOOTHING_SAMPLES
        baseband = np.convolve(mixed, kernel, mode="valid")
        if baseband.size < 2:
            return None
        rotation = np.sum(baseband[1:] * np.conj(baseband[:-1]))
        offset_hz = float(np.angle(rotation)) * SAMPLE_RATE_HZ / (2 * np.pi)
        return self.spec.mark_hz + offset_hz
