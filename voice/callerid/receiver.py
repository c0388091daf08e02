"""One caller-ID front end that finds the standard from the audio itself.

It runs the Bell 202, V.23 and DTMF decoders side by side on the same audio. Either FSK
demodulator reads the other modem's signal too (1300/2100 Hz fall on the same sides of the
Bell discriminator as 1200/2200 Hz, and the other way round), so an FSK message is kept
only from the decoder whose modem matches the mark tone measured before the message:
nearer 1200 Hz is Bell 202, nearer 1300 Hz is V.23. DTMF messages need no arbitration.

A line carries one message at a time, so while a DTMF message is being sent the FSK
decoders rest: they start afresh and pass over the audio unanalysed (DTMF tones keep an FSK
demodulator's carrier detector busy, which would cost as much as a message of its own).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import numpy as np

from voice.fsk import BELL202, V23

from .dtmf_codec import DtmfCallerIdDecoder
from .fsk_decoder import FskCallerIdDecoder
from .model import CallerIdResult, CallerIdStandard
from .quiet import quiet_samples

log = logging.getLogger(__name__)

MARK_BOUNDARY_HZ = (BELL202.mark_hz + V23.mark_hz) / 2.0


class CallerIdReceiver:
    """Feed line audio (any block length); get caller-ID results tagged with their standard.

    `standards` limits the decoders that run (all three by default); with a single FSK
    standard its messages are taken without arbitration.
    """

    def __init__(self, standards: Iterable[CallerIdStandard] | None = None) -> None:
        chosen = set(CallerIdStandard) if standards is None else set(standards)
        if not chosen:
            raise ValueError("a caller-ID receiver needs at least one standard")
        self.standards = frozenset(chosen)
        self._fsk = [
            FskCallerIdDecoder(standard)
            for standard in (CallerIdStandard.BELL202, CallerIdStandard.ETSI_FSK)
            if standard in chosen
        ]
        self._dtmf = DtmfCallerIdDecoder() if CallerIdStandard.DTMF in chosen else None
        self._decoders: list[FskCallerIdDecoder | DtmfCallerIdDecoder] = list(self._fsk)
        if self._dtmf is not None:
            self._decoders.append(self._dtmf)
        self.detected: CallerIdStandard | None = None  # standard of the last good message
        self._fsk_resting = False  # a DTMF message is being sent: FSK decoders pass over it
        self._idle = False  # every decoder was idle after the last block
        self._unheard = 0  # quiet samples skipped but not yet passed on to the decoders

    def reset(self) -> None:
        for decoder in self._fsk:
            decoder.reset()
        if self._dtmf is not None:
            self._dtmf.reset()
        self.detected = None
        self._fsk_resting = False
        self._idle = False
        self._unheard = 0

    def feed(self, samples: np.ndarray) -> list[CallerIdResult]:
        """Process a block; return the results completed in it, in the order they ended."""
        block = np.asarray(samples)
        results: list[CallerIdResult] = []
        was_idle = self._idle or all(decoder.idle for decoder in self._decoders)
        if was_idle:
            # One look at an idle line's level serves every decoder.
            quiet = quiet_samples(block)
            if quiet:
                self._unheard += quiet
                block = block[quiet:]
        # Quiet skipped is only counted until something can depend on it: audio to hear, or
        # a DTMF message whose pause may grow too long.
        if self._unheard and (block.size or (self._dtmf is not None and self._dtmf.collecting)):
            for decoder in self._decoders:
                results.extend(decoder.skip(self._unheard))
            self._unheard = 0
        # Skipping leaves every decoder idle; hearing audio may not.
        self._idle = was_idle and block.size == 0
        if block.size:
            self._rest_fsk_during_dtmf()
            for decoder in self._fsk:
                if self._fsk_resting:
                    decoder.skip(block.size)
                else:
                    results.extend(r for r in decoder.feed(block) if self._keep(r))
            if self._dtmf is not None:
                results.extend(self._dtmf.feed(block))
        results.sort(key=lambda result: result.sample)
        for result in results:
            if result.ok:
                self.detected = result.standard
                log.info("caller ID received in %s", result.standard.description)
        return results

    def _rest_fsk_during_dtmf(self) -> None:
        sending = self._dtmf is not None and self._dtmf.sending_message
        if sending and not self._fsk_resting:
            for decoder in self._fsk:
                position = decoder.position
                decoder.reset()  # nothing FSK can be under way: start afresh, idle
                decoder.skip(position)
        self._fsk_resting = sending

    def _keep(self, result: CallerIdResult) -> bool:
        if len(self._fsk) < 2 or result.mark_hz is None:
            return len(self._fsk) < 2 or result.standard is CallerIdStandard.BELL202
        heard = (
            CallerIdStandard.BELL202
            if result.mark_hz < MARK_BOUNDARY_HZ
            else CallerIdStandard.ETSI_FSK
        )
        return result.standard is heard
