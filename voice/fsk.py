"""Bell 202 and V.23 FSK: a continuous-phase modulator and a non-coherent demodulator.

Both are the 1200 bit/s modems that carry on-hook data such as caller ID: Bell 202 (1200 Hz
mark, 2200 Hz space) in North America, V.23 forward channel (1300 Hz mark, 2100 Hz space)
under ETSI EN 300 659. The demodulator band-limits the line, correlates one bit period of
signal against the mark and the space tone and turns the energy difference into a soft
decision per sample, with a carrier detector beside it. `voice.fsk_framing` turns those
decisions into asynchronous characters.

Every object here keeps its state between calls, so feeding 1, 7, 160 or 8000 samples at a
time gives the same result.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy import signal

from voice.level import SAMPLE_RATE_HZ, dbm0_to_amplitude, dbm0_to_power

log = logging.getLogger(__name__)

DEFAULT_LEVEL_DBM0 = -13.0
CARRIER_ON_DBM0 = -43.0
CARRIER_OFF_DBM0 = -47.0
CARRIER_SMOOTHING_MS = 1.0
BAND_GUARD_HZ = 400.0  # receive band-pass extends this far beyond mark and space
BAND_FILTER_ORDER = 4
POWER_MEMORY_SAMPLES = 1024  # the carrier smoothing forgets by e^-128 over this many samples


@dataclass(frozen=True)
class FskSpec:
    """One FSK modem: tone frequencies and bit rate."""

    name: str
    mark_hz: int
    space_hz: int
    baud: int

    @property
    def samples_per_bit(self) -> float:
        return SAMPLE_RATE_HZ / self.baud


BELL202 = FskSpec("Bell 202", mark_hz=1200, space_hz=2200, baud=1200)
V23 = FskSpec("V.23", mark_hz=1300, space_hz=2100, baud=1200)


class FskModulator:
    """Continuous-phase FSK: bits in, int16 audio out, phase and bit timing carried over.

    Bit k occupies samples [k·fs/baud, (k+1)·fs/baud), rounded down, so 1200 bit/s at 8 kHz
    alternates 7- and 6-sample bits exactly as a free-running modem clock would.
    """

    def __init__(self, spec: FskSpec, level_dbm0: float = DEFAULT_LEVEL_DBM0) -> None:
        self.spec = spec
        self.amplitude = dbm0_to_amplitude(level_dbm0)
        if self.amplitude > 32767.0:
            raise ValueError(f"FSK level {level_dbm0} dBm0 does not fit 16-bit audio")
        self._bits_sent = 0
        self._samples_sent = 0
        self._phase = 0.0
        self._last_bit = 1  # the bit still sounding when the previous call stopped mid-bit

    def modulate(self, bits: Iterable[int] | np.ndarray) -> np.ndarray:
        """Audio for `bits` (1 = mark, 0 = space), continuing the previous call's waveform."""
        bit_array = np.asarray(list(bits) if not isinstance(bits, np.ndarray) else bits)
        if bit_array.size == 0:
            return np.zeros(0, dtype=np.int16)
        total_bits = self._bits_sent + bit_array.size
        end_sample = total_bits * SAMPLE_RATE_HZ // self.spec.baud
        sample_index = np.arange(self._samples_sent, end_sample, dtype=np.int64)
        # Index 0 is the previous call's last bit: its final samples may fall in this call.
        bit_index = sample_index * self.spec.baud // SAMPLE_RATE_HZ - self._bits_sent + 1
        bits_here = np.concatenate(([self._last_bit], bit_array))
        frequency = np.where(bits_here[bit_index] != 0, self.spec.mark_hz, self.spec.space_hz)
        increments = 2.0 * np.pi * frequency / SAMPLE_RATE_HZ
        phase = self._phase + np.concatenate(([0.0], np.cumsum(increments)))
        audio = self.amplitude * np.sin(phase[:-1])
        self._phase = float(np.mod(phase[-1], 2.0 * np.pi))
        self._bits_sent = total_bits
        self._samples_sent = end_sample
        self._last_bit = int(bit_array[-1])
        return np.round(audio).astype(np.int16)


@dataclass(frozen=True)
class SoftBits:
    """Demodulator output for a block: one entry per input sample."""

    decision: np.ndarray  # float64 in [-1, 1]: > 0 leans mark, < 0 leans space
    carrier: np.ndarray  # bool: an FSK-band signal above the carrier threshold is present
    filtered: np.ndarray  # float64: the band-limited input, for measurements


class FskDemodulator:
    """Non-coherent FSK receiver: band-pass, mark/space correlators over one bit, carrier.

    The soft decision is (|mark|² − |space|²) / (|mark|² + |space|²) of the correlator
    outputs, independent of level; the carrier detector compares the correlator power to
    on/off thresholds in dBm0 with hysteresis.

    A correlator's energy over the last bit, |Σₖ f[n−k]·e^{−jω(n−k)}|², equals
    |Σₖ f[n−k]·e^{jωk}|²: the oscillator's phase drops out, so all four real correlations
    (cosine and sine against mark and space) are one matrix product of the block's sliding
    one-bit windows, whatever the block length.
    """

    def __init__(
        self,
        spec: FskSpec,
        carrier_on_dbm0: float = CARRIER_ON_DBM0,
        carrier_off_dbm0: float = CARRIER_OFF_DBM0,
    ) -> None:
        if carrier_off_dbm0 > carrier_on_dbm0:
            raise ValueError("carrier_off_dbm0 must not be above carrier_on_dbm0")
        self.spec = spec
        low = min(spec.mark_hz, spec.space_hz) - BAND_GUARD_HZ
        high = max(spec.mark_hz, spec.space_hz) + BAND_GUARD_HZ
        # Direct form is well conditioned for this wide band and far cheaper per call.
        self._band_b, self._band_a = signal.butter(
            BAND_FILTER_ORDER, [low, high], btype="bandpass", fs=SAMPLE_RATE_HZ
        )
        self._window = max(2, round(spec.samples_per_bit))
        lags = np.arange(self._window - 1, -1, -1)  # a window holds its oldest sample first
        turns = 2.0 * np.pi * lags / SAMPLE_RATE_HZ
        # Columns: cos·mark, cos·space, sin·mark, sin·space.
        self._correlators = np.stack(
            [part(turns * hz) for part in (np.cos, np.sin) for hz in (spec.mark_hz, spec.space_hz)],
            axis=1,
        )
        # Squared correlations to [|mark|² + |space|², |mark|² − |space|²].
        self._energy_map = np.array([[1.0, 1.0], [1.0, -1.0], [1.0, 1.0], [1.0, -1.0]])
        smoothing = 1.0 - np.exp(-1.0 / (CARRIER_SMOOTHING_MS * 1e-3 * SAMPLE_RATE_HZ))
        # A sine of amplitude A gives |correlator| ≈ A·N/2, i.e. power A²/2 = 2|c|²/N².
        self._power_scale = 2.0 / self._window**2
        self._power_b = np.array([smoothing * self._power_scale])
        self._power_a = np.array([1.0, smoothing - 1.0])
        self._decay = 1.0 - smoothing
        # The smoothed power after a block is this dot the block's last correlator energies
        # (older ones have decayed below 1e-50) plus the decayed power before it.
        ages = np.arange(POWER_MEMORY_SAMPLES - 1, -1, -1)
        self._power_weights = self._power_b[0] * self._decay**ages
        self._on_power = dbm0_to_power(carrier_on_dbm0)
        self._off_power = dbm0_to_power(carrier_off_dbm0)
        self.reset()

    def reset(self) -> None:
        self._band_state = np.zeros(self._band_a.size - 1)
        self._recent = np.zeros(self._window - 1)  # band-limited samples before this block
        self._power = 0.0  # smoothed correlator power at the last sample
        self._carrier = False

    @property
    def carrier(self) -> bool:
        """Whether the carrier was present at the last sample processed."""
        return self._carrier

    def process(self, samples: np.ndarray) -> SoftBits:
        """Soft decisions and carrier state for every sample of `samples`."""
        x = np.asarray(samples, dtype=np.float64).ravel()
        if x.size == 0:
            return SoftBits(decision=np.zeros(0), carrier=np.zeros(0, dtype=bool), filtered=x)
        filtered, self._band_state = signal.lfilter(
            self._band_b, self._band_a, x, zi=self._band_state
        )
        extended = np.concatenate((self._recent, filtered))
        self._recent = extended[x.size :]
        # Row n is the one-bit window ending at sample n (a strided view, nothing copied).
        windows = np.ndarray(
            (x.size, self._window), buffer=extended, strides=(extended.itemsize,) * 2
        )
        correlations = windows @ self._correlators
        energies = (correlations * correlations) @ self._energy_map
        total = energies[:, 0]
        decision = energies[:, 1] / np.maximum(total, 1e-9)
        return SoftBits(decision=decision, carrier=self._carrier_flags(total), filtered=filtered)

    def _carrier_flags(self, energy: np.ndarray) -> np.ndarray:
        """Smoothed correlator power against the carrier thresholds, with hysteresis.

        The smoothed power always lies between its previous value and the block's extreme
        energies, so a block wholly above, below or between the thresholds needs no
        filtering, only its final power.
        """
        lowest = min(self._power, float(energy.min()) * self._power_scale)
        highest = max(self._power, float(energy.max()) * self._power_scale)
        if lowest > self._on_power or highest < self._off_power:
            self._carrier = lowest > self._on_power
        elif not (lowest >= self._off_power and highest <= self._on_power):
            return self._schmitt(energy)
        recent = min(energy.size, POWER_MEMORY_SAMPLES)
        self._power = self._decay**energy.size * self._power + float(
            np.dot(self._power_weights[POWER_MEMORY_SAMPLES - recent :], energy[-recent:])
        )
        return np.full(energy.size, self._carrier)

    def _schmitt(self, energy: np.ndarray) -> np.ndarray:
        """Carrier flag with hysteresis, vectorised: the last threshold crossing wins."""
        power, _ = signal.lfilter(
            self._power_b, self._power_a, energy, zi=[self._power * self._decay]
        )
        self._power = float(power[-1])
        events = np.where(power > self._on_power, 1, np.where(power < self._off_power, 0, -1))
        positions = np.where(events >= 0, np.arange(events.size), -1)
        last = np.maximum.accumulate(positions)
        carrier = np.where(last >= 0, events[np.maximum(last, 0)] == 1, self._carrier)
        self._carrier = bool(carrier[-1])
        return carrier.astype(bool)
