"""V.21 channel 2 (300 bit/s FSK, 1650 Hz = 1, 1850 Hz = 0): T.30's control channel.

`V21Receiver` turns audio into HDLC frames: the shared FSK demodulator gives a soft decision
per sample, a bit clock locked to the decision's zero crossings samples it mid-bit, and the
HDLC decoder checks each frame's FCS. `V21Transmitter` turns frames into audio with the
flag preamble T.30 asks for.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from voice.fax.hdlc import FLAG_BITS, HdlcDecoder, HdlcEncoder
from voice.fsk import FskDemodulator, FskModulator, FskSpec
from voice.level import SAMPLE_RATE_HZ

V21_CHANNEL_2 = FskSpec("V.21 channel 2", mark_hz=1650, space_hz=1850, baud=300)
SAMPLES_PER_BIT = SAMPLE_RATE_HZ / V21_CHANNEL_2.baud
PREAMBLE_SECONDS = 1.0
TX_LEVEL_DBM0 = -13.0
CLOCK_GAIN = 0.15  # fraction of a timing error corrected at each zero crossing
# The correlator output lags the line by about half its one-bit window.
DEMODULATOR_DELAY = SAMPLES_PER_BIT / 2


class V21Receiver:
    """Audio in, good HDLC frames out; `carrier` tells whether V.21 is on the line."""

    def __init__(self) -> None:
        self._demodulator = FskDemodulator(V21_CHANNEL_2)
        self.hdlc = HdlcDecoder()
        self.carrier = False
        self._phase = 0.0  # samples since the last bit boundary
        self._last_decision = 0.0
        self.level = 0.0  # mean power of the last V.21 signal heard (linear, int16 scale)
        self._level_sum = 0.0
        self._level_count = 0

    def process(self, samples: np.ndarray) -> list[bytes]:
        soft = self._demodulator.process(samples)
        on = soft.carrier
        if on.any():
            values = np.asarray(samples, dtype=np.float64)[on]
            self._level_sum += float(np.sum(values * values))
            self._level_count += values.size
            self.level = self._level_sum / self._level_count
        frames: list[bytes] = []
        phase = self._phase
        last = self._last_decision
        for decision, carrier in zip(soft.decision.tolist(), soft.carrier.tolist(), strict=True):
            if not carrier:
                if self.carrier:
                    self.hdlc.reset()
                    self._level_sum = 0.0
                    self._level_count = 0
                self.carrier = False
                last = decision
                continue
            self.carrier = True
            phase += 1.0
            if (decision > 0) != (last > 0):
                # A transition should sit on a bit boundary (phase 0); pull the clock toward it.
                error = phase if phase < SAMPLES_PER_BIT / 2 else phase - SAMPLES_PER_BIT
                phase -= CLOCK_GAIN * error
            last = decision
            if phase >= SAMPLES_PER_BIT / 2 and phase - 1.0 < SAMPLES_PER_BIT / 2:
                frame = self.hdlc.put_bit(1 if decision > 0 else 0)
                if frame is not None:
                    frames.append(frame)
            if phase >= SAMPLES_PER_BIT:
                phase -= SAMPLES_PER_BIT
        self._phase = phase
        self._last_decision = last
        return frames


class V21Transmitter:
    """Frames to audio: about a second of flags, the frames, a closing flag."""

    def __init__(self, level_dbm0: float = TX_LEVEL_DBM0) -> None:
        self._level = level_dbm0
        self._encoder = HdlcEncoder()

    def modulate_frames(self, frames: Sequence[bytes], preamble: bool = True) -> np.ndarray:
        flags = round(PREAMBLE_SECONDS * V21_CHANNEL_2.baud / 8) if preamble else 1
        bits = self._encoder.encode(frames, preamble_flags=flags) + FLAG_BITS
        return FskModulator(V21_CHANNEL_2, self._level).modulate(bits)
