"""How voice sees a call-progress tone: frequencies, a level and an on/off cadence.

voice never imports the country profiles; it accepts anything shaped like them
(`ToneSpecLike`, which firmware.countries.ToneSpec satisfies), and offers `ToneSpec` for
callers that build a tone themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


class ToneSpecLike(Protocol):
    """A sum of sines (`frequencies`, each at `level_dbm0`) gated by a cadence.

    `lead_in_ms` (on, off, on, off, …) plays once before the repeating `cadence_ms`; an empty
    `cadence_ms` means the tone stays on after the lead-in.
    """

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
    """A plain ToneSpecLike."""

    frequencies: tuple[float, ...]
    level_dbm0: float
    cadence_ms: tuple[int, ...] = ()
    lead_in_ms: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        check(self)


def check(spec: ToneSpecLike) -> None:
    """Raise ValueError if `spec` cannot be played: no frequency, or odd/non-positive timings."""
    if not spec.frequencies:
        raise ValueError("a tone needs at least one frequency")
    if any(f <= 0 for f in spec.frequencies):
        raise ValueError(f"tone frequencies must be positive, got {tuple(spec.frequencies)}")
    for name in ("cadence_ms", "lead_in_ms"):
        value = tuple(getattr(spec, name))
        if len(value) % 2:
            raise ValueError(f"{name} must alternate on and off durations (an even count): {value}")
        if any(ms <= 0 for ms in value):
            raise ValueError(f"{name} durations must be positive: {value}")


def is_continuous(spec: ToneSpecLike) -> bool:
    """True when the tone stays on after its lead-in (no repeating cadence)."""
    return not spec.cadence_ms
