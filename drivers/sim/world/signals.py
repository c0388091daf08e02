"""Signal generators of the simulated world: sines, cadenced tones and DTMF.

Generators are evaluated at absolute sample indices (see `timeline`), so a tone is
phase-continuous across blocks of any size and its cadence is exact to the sample no
matter when a chip pulls audio. Tone specifications come in as plain values with the shape
of a country profile's tone (frequencies, level per component, cadence, lead-in).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from drivers.frames import SAMPLE_RATE_HZ
from drivers.sim.world.levels import sine_peak, to_int16

SAMPLES_PER_MS = SAMPLE_RATE_HZ // 1000

# The DTMF keypad: (low group / row, high group / column) in Hz (ITU-T Q.23).
DTMF_ROWS_HZ = (697.0, 770.0, 852.0, 941.0)
DTMF_COLUMNS_HZ = (1209.0, 1336.0, 1477.0, 1633.0)
DTMF_KEYS = ("123A", "456B", "789C", "*0#D")
DTMF_FREQUENCIES_HZ: dict[str, tuple[float, float]] = {
    key: (DTMF_ROWS_HZ[row], DTMF_COLUMNS_HZ[column])
    for row, keys in enumerate(DTMF_KEYS)
    for column, key in enumerate(keys)
}


class ToneSpecLike(Protocol):
    """A call-progress tone as country profiles describe it (levels per component)."""

    @property
    def frequencies(self) -> Sequence[float]: ...
    @property
    def level_dbm0(self) -> float: ...
    @property
    def cadence_ms(self) -> Sequence[int]: ...
    @property
    def lead_in_ms(self) -> Sequence[int]: ...


@dataclass(frozen=True)
class ToneSpec:
    """A plain tone specification for callers that have no country profile at hand."""

    frequencies: tuple[float, ...]
    level_dbm0: float = -10.0
    cadence_ms: tuple[int, ...] = ()
    lead_in_ms: tuple[int, ...] = ()


def sines(
    frequencies_hz: Sequence[float], level_dbm0: float | Sequence[float], start: int, count: int
) -> np.ndarray:
    """Sum of sines (float64) for absolute samples [start, start + count)."""
    levels = (
        [float(level_dbm0)] * len(frequencies_hz)
        if isinstance(level_dbm0, int | float)
        else list(level_dbm0)
    )
    index = np.arange(start, start + count, dtype=np.float64)
    out = np.zeros(count)
    for frequency, level in zip(frequencies_hz, levels, strict=True):
        # Reduce the phase increment modulo one cycle so long runs keep full precision.
        cycles_per_sample = frequency / SAMPLE_RATE_HZ
        phase = np.mod(index * cycles_per_sample, 1.0)
        out += sine_peak(level) * np.sin(2 * np.pi * phase)
    return out


def cadence_gate(
    cadence_ms: Sequence[int], lead_in_ms: Sequence[int], offset: int, count: int
) -> np.ndarray:
    """On/off mask for samples `offset … offset + count` after a tone started.

    The lead-in (on, off, …) plays once, then the cadence repeats; without a cadence the
    tone stays on after the lead-in. Samples before the start are off.
    """
    position = np.arange(offset, offset + count, dtype=np.int64)
    gate = np.zeros(count, dtype=bool)
    lead = np.cumsum(np.asarray(lead_in_ms, dtype=np.int64) * SAMPLES_PER_MS)
    lead_total = int(lead[-1]) if len(lead) else 0
    in_lead = (position >= 0) & (position < lead_total)
    if in_lead.any():
        segment = np.searchsorted(lead, position[in_lead], side="right")
        gate[in_lead] = segment % 2 == 0
    after = position >= lead_total
    if after.any():
        if not cadence_ms:
            gate[after] = True
        else:
            bounds = np.cumsum(np.asarray(cadence_ms, dtype=np.int64) * SAMPLES_PER_MS)
            phase = (position[after] - lead_total) % int(bounds[-1])
            gate[after] = np.searchsorted(bounds, phase, side="right") % 2 == 0
    return gate


@dataclass
class TonePlayer:
    """A call-progress tone that plays from absolute index `start` until `stop`."""

    spec: ToneSpecLike
    start: int
    stop: int | None = None

    def render(self, start: int, count: int) -> np.ndarray:
        gate = cadence_gate(self.spec.cadence_ms, self.spec.lead_in_ms, start - self.start, count)
        if self.stop is not None:
            gate &= np.arange(start, start + count) < self.stop
        if not gate.any():
            return np.zeros(count)
        return sines(self.spec.frequencies, self.spec.level_dbm0, start, count) * gate


def dtmf_audio(
    digits: str,
    *,
    on_ms: float = 100,
    off_ms: float = 100,
    level_dbm0: float = -7.0,
    twist_db: float = 2.0,
) -> np.ndarray:
    """DTMF digits as int16 audio: each digit `on_ms` of its tone pair, then `off_ms` quiet.

    `level_dbm0` is the low-group (row) tone; the high-group tone is `twist_db` louder,
    the pre-emphasis telephones use to make up for the line's high-frequency loss.
    """
    on = round(on_ms * SAMPLES_PER_MS)
    off = round(off_ms * SAMPLES_PER_MS)
    out = np.zeros(len(digits) * (on + off))
    for position, digit in enumerate(digits.upper()):
        if digit not in DTMF_FREQUENCIES_HZ:
            raise ValueError(f"{digit!r} is not a DTMF key; use 0-9, *, # or A-D")
        low, high = DTMF_FREQUENCIES_HZ[digit]
        begin = position * (on + off)
        out[begin : begin + on] = sines((low, high), (level_dbm0, level_dbm0 + twist_db), 0, on)
    return to_int16(out)
