"""A channel on a hat port: G.711 at the bus, then the port's DSP chain.

Every tick `pull()` takes the frame the port received, decodes it and runs the line's DSP
(on exchange lines the call-progress tone detector, the caller-ID receiver while on-hook and
the echo canceller while off-hook; a seized line's frame below LINE_SQUELCH_DBM0 then
reaches the call as silence), and `push()` encodes what the endpoint should hear and hands
it to the port. DTMF detection runs for all channels at once on the frames `pull()`
gave (firmware.engine.digit_listening), while `on_digit` is set and `digits_wanted()`. A
port that delivered no frame this tick is heard as silence.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from firmware.engine.media import FRAME_SAMPLES, SILENCE, Channel
from voice import g711
from voice.callerid import CallerId, CallerIdReceiver
from voice.echo import EchoCanceller, EchoStats
from voice.level import dbm0_to_amplitude
from voice.tones.detector import CallProgressDetector

log = logging.getLogger(__name__)

# What we send reaches the line one PCM block after the tick that queued it and its echo is
# captured a block later: the canceller's far-end reference is delayed by this many frames.
# Measured on the simulated highway: the hybrid's echo arrives 2 frames + its own 4 ms after
# the frame that caused it (more after a reader hiccup); the 64 ms tail covers the rest. A
# larger bulk delay would put the echo before the reference, which no canceller can follow.
ECHO_BULK_DELAY_FRAMES = 2
LINE_TONES = ("dial", "busy", "congestion", "ringback")  # ringback: a long burst is not dial
# A far-end hang-up shown by busy or congestion tone must be noticed within a second.
EARLY_TONES = ("busy", "congestion")
# Line tones are analysed every five frames: decisions keep their 10 ms resolution, and the
# analysis costs a third of what it would frame by frame, for at most 80 ms more delay on
# top of a tone's own cadence (a busy tone's first burst alone lasts 350-500 ms).
TONE_BATCH_SAMPLES = 5 * FRAME_SAMPLES
# An exchange line's frame whose peak stays below this reaches the call as silence. A quiet
# line's background, coded by the DAA, is a hiss on the codec's smallest steps (A-law has no
# zero level: noise below its first step comes out as ±1 step, −66 dBm0 of hiss in every
# pause, which listeners hear against the speech). Nothing else a line carries is this
# faint: the weakest caller ID, DTMF and tones lie 25 dB and more above it. The line's own
# DSP still hears such frames as they are: the echo canceller measures the line by them.
LINE_SQUELCH_DBM0 = -59.0
_LINE_SQUELCH_PEAK = int(dbm0_to_amplitude(LINE_SQUELCH_DBM0))


class PortChannel(Channel):
    def __init__(self, name: str, port: Any, *, echo_cancel: bool) -> None:
        super().__init__(name)
        self.port = port
        self.law = port.law
        self.on_digit: Callable[[str], None] | None = None
        self.on_caller_id: Callable[[CallerId], None] | None = None
        self.on_tone: Callable[[str], None] | None = None
        self.digits_wanted: Callable[[], bool] = lambda: True
        self._line_side = echo_cancel
        self._echo = EchoCanceller() if echo_cancel else None
        self.last_echo: EchoStats | None = None  # the last call's figures, for status
        self._sent: deque[np.ndarray] = deque([SILENCE] * ECHO_BULK_DELAY_FRAMES)
        self._caller_id = CallerIdReceiver() if echo_cancel else None
        self._tones: CallProgressDetector | None = None
        self._tone_specs: Mapping[str, Any] | None = None
        self._was_seized = False
        self.missing_frames = 0

    @property
    def country_tones(self) -> Mapping[str, Any] | None:
        return self._tone_specs

    @country_tones.setter
    def country_tones(self, tones: Mapping[str, Any]) -> None:
        self._tone_specs = tones
        self._tones = self._new_tone_detector()

    def _new_tone_detector(self) -> CallProgressDetector | None:
        if self._tone_specs is None:
            return None
        return CallProgressDetector(
            self._tone_specs, detect=LINE_TONES, early=EARLY_TONES, batch_samples=TONE_BATCH_SAMPLES
        )

    def pull(self) -> None:
        received = self.port.receive_audio()
        if received is None:
            self.missing_frames += 1
            frame = SILENCE
        else:
            frame = g711.decode(received, self.law)
        far_end = self._sent.popleft()
        if self._line_side:
            seized = self.port.seized
            squelched = seized and _squelched(frame)  # on-hook no call hears the line
            frame = self._line_dsp(frame, far_end, seized)
            if squelched:
                frame = SILENCE
        self.input_frame = frame

    def push(self) -> None:
        frame = self.output_frame()
        self._sent.append(frame)
        self.port.send_audio(g711.encode(frame, self.law).tobytes())

    def _line_dsp(self, frame: np.ndarray, far_end: np.ndarray, seized: bool) -> np.ndarray:
        if seized != self._was_seized:
            self._was_seized = seized
            if seized:  # a new call on the line: nothing heard before it counts
                self._tones = self._new_tone_detector()
            else:
                if self._echo is not None:  # the call ended: its echo path is gone
                    self._report_echo(self._echo)
                    self._echo.reset()
                if self._caller_id is not None:
                    self._caller_id.reset()
        if self._echo is not None and seized:
            frame = self._echo.process(far_end, frame)
        # On-hook the receiver listens to every frame; idle, it only checks the line's level.
        if self._caller_id is not None and not seized:
            for result in self._caller_id.feed(frame):
                if result.ok and result.caller_id is not None and self.on_caller_id:
                    self.on_caller_id(result.caller_id)
                elif not result.ok:
                    log.warning("%s: caller ID not usable: %s", self.name, result.summary())
        if self._tones is not None and seized:
            for event in self._tones.feed(frame):
                if event.detected and self.on_tone is not None:
                    self.on_tone(event.tone)
        return frame

    def _report_echo(self, canceller: EchoCanceller) -> None:
        """At the end of a call, log the line's echo return loss and what the canceller took
        off it, once it had measured them (technicians spot a badly matched line by them)."""
        if not canceller.converged:
            return
        stats = canceller.stats
        self.last_echo = stats
        log.info(
            "%s: call ended; echo return loss %.1f dB, echo canceller removed %.1f dB",
            self.name,
            stats.erl_db,
            stats.converged_erle_db,
        )


def _squelched(frame: np.ndarray) -> bool:
    """The frame's peak lies below LINE_SQUELCH_DBM0."""
    return int(frame.max()) <= _LINE_SQUELCH_PEAK and int(frame.min()) >= -_LINE_SQUELCH_PEAK
