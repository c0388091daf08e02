"""Caller ID as audio: the exchange's transmitter and the phone's display.

The transmitter turns a message (see `cid_format`) into line audio: FSK with channel
seizure and mark conditioning (Bell 202 for "bell202", V.23 for "etsi_fsk") or a DTMF
digit string, plus the dual-tone alerting signal some networks send first.

The display listens to on-hook audio. It stays idle (one peak measurement per block) until
something louder than the activity floor arrives, records the burst until a quarter second
of quiet, then decodes it: DTMF digits first, else FSK with the modem recognised from its
frequency deviation.
"""

from __future__ import annotations

import logging

import numpy as np

from drivers.frames import SAMPLE_RATE_HZ
from drivers.sim.world import cid_format, fsk
from drivers.sim.world.cid_format import DisplayedCallerId, MessageWaiting
from drivers.sim.world.dtmf import DtmfDecoder
from drivers.sim.world.levels import sine_peak, to_int16
from drivers.sim.world.signals import dtmf_audio, sines
from drivers.sim.world.timeline import sample_time

log = logging.getLogger(__name__)

FSK_LEVEL_DBM0 = -13.0
SEIZURE_BITS = 300  # alternating 0/1: the channel seizure signal
MARK_BITS = 180  # continuous marks before the first character
POSTAMBLE_MARK_BITS = 5
DTMF_CID_ON_MS = 60
DTMF_CID_OFF_MS = 60
DTMF_CID_LEVEL_DBM0 = -8.0
DT_AS_FREQUENCIES_HZ = (2130.0, 2750.0)  # dual-tone alerting signal (ETSI)
DT_AS_MS = 100
DT_AS_LEVEL_DBM0 = -12.0
STANDARDS = ("bell202", "etsi_fsk", "dtmf")

ACTIVITY_DBM0 = -45.0  # quieter blocks count as silence
END_OF_BURST_MS = 250
MAX_BURST_S = 8.0
_ACTIVITY_PEAK = sine_peak(ACTIVITY_DBM0)
_END_OF_BURST_SAMPLES = END_OF_BURST_MS * SAMPLE_RATE_HZ // 1000
_MAX_BURST_SAMPLES = int(MAX_BURST_S * SAMPLE_RATE_HZ)


def fsk_audio(
    message: bytes,
    standard: str,
    *,
    level_dbm0: float = FSK_LEVEL_DBM0,
    seizure_bits: int = SEIZURE_BITS,
    mark_bits: int = MARK_BITS,
) -> np.ndarray:
    """One framed FSK message as int16 line audio, preamble included."""
    modem = {"bell202": fsk.BELL202, "etsi_fsk": fsk.V23}.get(standard)
    if modem is None:
        raise ValueError(f"FSK caller ID is 'bell202' or 'etsi_fsk', not {standard!r}")
    bits = np.concatenate(
        (
            np.tile(np.array([0, 1], dtype=np.int8), seizure_bits // 2),
            np.ones(mark_bits, dtype=np.int8),
            fsk.async_bits(message),
            np.ones(POSTAMBLE_MARK_BITS, dtype=np.int8),
        )
    )
    return to_int16(fsk.modulate(bits, modem, level_dbm0))


def caller_id_audio(
    number: str | None, name: str | None, when: str, standard: str, *, absence: str = "O"
) -> np.ndarray:
    """Line audio for a call's caller ID in one of STANDARDS.

    Bell 202 uses the single data message format when there is no name (what most
    exchanges send for number-only service) and MDMF otherwise; ETSI always uses MDMF.
    """
    if standard == "dtmf":
        digits = cid_format.dtmf_caller_id_string(number, absence=absence)
        return dtmf_audio(
            digits,
            on_ms=DTMF_CID_ON_MS,
            off_ms=DTMF_CID_OFF_MS,
            level_dbm0=DTMF_CID_LEVEL_DBM0,
            twist_db=0,
        )
    sdmf = standard == "bell202" and not name
    message = cid_format.call_setup_message(number, name, when, sdmf=sdmf, absence=absence)
    return fsk_audio(message, standard)


def dual_tone_alert() -> np.ndarray:
    """The dual-tone alerting signal that wakes a display before on-hook caller ID."""
    count = DT_AS_MS * SAMPLE_RATE_HZ // 1000
    return to_int16(sines(DT_AS_FREQUENCIES_HZ, DT_AS_LEVEL_DBM0, 0, count))


class CallerIdDisplay:
    """A caller-ID display: decodes what reaches an on-hook phone."""

    def __init__(self) -> None:
        self.history: list[DisplayedCallerId] = []
        self.message_waiting: MessageWaiting | None = None
        self._burst: list[np.ndarray] = []
        self._burst_length = 0
        self._last_active_end: int | None = None

    @property
    def latest(self) -> DisplayedCallerId | None:
        return self.history[-1] if self.history else None

    def feed(self, start: int, samples: np.ndarray) -> None:
        """On-hook audio at absolute index `start`."""
        active = len(samples) > 0 and int(np.max(np.abs(samples))) > _ACTIVITY_PEAK
        if not self._burst and not active:
            return
        end = start + len(samples)
        self._burst.append(np.asarray(samples, dtype=np.int16))
        self._burst_length += len(samples)
        if active:
            self._last_active_end = end
        quiet_for = end - (self._last_active_end or end)
        if quiet_for >= _END_OF_BURST_SAMPLES or self._burst_length >= _MAX_BURST_SAMPLES:
            self.finish()

    def finish(self) -> None:
        """Decode whatever burst is pending (also called when the phone goes off-hook)."""
        if not self._burst:
            return
        samples = np.concatenate(self._burst)
        at = sample_time(self._last_active_end or 0)
        self._burst, self._burst_length = [], 0
        self._decode(samples, at)

    def _decode(self, samples: np.ndarray, at: float) -> None:
        digits = DtmfDecoder().feed(samples)
        if digits:
            shown = cid_format.parse_dtmf_caller_id(digits, at)
            if shown is not None:
                log.info("caller ID (DTMF %s): %s", digits, shown.number or shown.absence)
                self.history.append(shown)
                return
            log.info("on-hook DTMF %r is not a caller-ID string", digits)
        burst = fsk.demodulate(samples)
        if burst is None:
            return
        standard = "bell202" if burst.modem is fsk.BELL202 else "etsi_fsk"
        for run in burst.characters:
            for message in cid_format.split_messages(run):
                item = cid_format.parse_message(message, standard, at)
                if isinstance(item, DisplayedCallerId):
                    log.info("caller ID (%s): %s %s", standard, item.number, item.name or "")
                    self.history.append(item)
                elif isinstance(item, MessageWaiting):
                    log.info("message waiting %s (%s)", "on" if item.active else "off", standard)
                    self.message_waiting = item
