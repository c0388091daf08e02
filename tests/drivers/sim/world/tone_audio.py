"""Call-progress tone audio made with numpy in the tests, apart from the world's generators."""

from __future__ import annotations

import numpy as np

PEAK_0DBM0 = 32768 * 10 ** (-3.14 / 20)


def cadenced(spec, seconds: float, *, phase_ms: int = 0) -> np.ndarray:
    """The tone as int16: lead-in once, then the cadence (or steady), starting `phase_ms`
    into the pattern, with a random starting phase per component."""
    count = round(seconds * 8000)
    t = (np.arange(count) + phase_ms * 8) / 8000
    rng = np.random.default_rng(len(spec.frequencies))
    peak = PEAK_0DBM0 * 10 ** (spec.level_dbm0 / 20)
    audio = sum(peak * np.sin(2 * np.pi * f * t + rng.uniform(0, 6.28)) for f in spec.frequencies)
    ms = np.floor(t * 1000).astype(int)
    gate = np.ones(count, dtype=bool)
    lead = np.cumsum(spec.lead_in_ms) if spec.lead_in_ms else np.array([0])
    lead_end = int(lead[-1]) if spec.lead_in_ms else 0
    if spec.lead_in_ms:
        inside = ms < lead_end
        gate[inside] = np.searchsorted(lead, ms[inside], side="right") % 2 == 0
    if spec.cadence_ms:
        bounds = np.cumsum(spec.cadence_ms)
        after = ms >= lead_end
        position = (ms[after] - lead_end) % bounds[-1]
        gate[after] = np.searchsorted(bounds, position, side="right") % 2 == 0
    return np.round(audio * gate).astype(np.int16)


def through_g711(audio: np.ndarray, law: str) -> np.ndarray:
    """Audio after a chip's G.711 encode/decode, as it reaches the emulated line."""
    from drivers.sim.codec import ChipCodec

    codec = ChipCodec(law)
    return codec.decode(codec.encode(audio))
