"""Country profiles: tones, ringing, hook timing, caller ID and FXO termination per country.

The profiles are data files (`XX.yaml`, ISO 3166 alpha-2 codes) so a new country is a new
file, not new code. Lower layers receive the parts they need as plain values: tone specs go to
`voice`, ring cadences and hook timings to the port drivers, the termination name to the DAA.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

PROFILE_DIR = Path(__file__).parent
TONE_NAMES = (
    "dial",
    "special_dial",
    "ringback",
    "busy",
    "congestion",
    "call_waiting",
    "confirmation",
    "off_hook_warning",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ToneSpec(_Strict):
    """One call-progress tone: a sum of sines, then an on/off cadence.

    `lead_in_ms` (on, off, on, off, …) plays once before the repeating `cadence_ms`; an
    empty `cadence_ms` means the tone stays on after the lead-in.
    """

    frequencies: tuple[float, ...] = Field(min_length=1, max_length=4)
    level_dbm0: float = Field(ge=-40, le=0, description="level of each frequency component")
    cadence_ms: tuple[int, ...] = ()
    lead_in_ms: tuple[int, ...] = ()

    @model_validator(mode="after")
    def _even_cadence(self) -> ToneSpec:
        for name in ("cadence_ms", "lead_in_ms"):
            value = getattr(self, name)
            if len(value) % 2:
                raise ValueError(f"{name} must alternate on and off durations (an even count)")
            if any(ms <= 0 for ms in value):
                raise ValueError(f"{name} durations must be positive")
        return self

    @property
    def continuous(self) -> bool:
        return not self.cadence_ms


class RingCadences(_Strict):
    external: tuple[int, ...]
    internal: tuple[int, ...]


class Ringing(_Strict):
    frequency_hz: float = Field(ge=15, le=50)
    amplitude_vpk: float = Field(ge=40, le=95)
    cadences_ms: RingCadences


class HookTiming(_Strict):
    """Timing rules for hook switch transitions on an FXS loop (all in ms)."""

    debounce_ms: int = Field(ge=1, le=50)
    pulse_break_ms: tuple[int, int]
    pulse_make_ms: tuple[int, int]
    interdigit_ms: int = Field(ge=100, le=1000)
    flash_ms: tuple[int, int]

    @model_validator(mode="after")
    def _windows_do_not_overlap(self) -> HookTiming:
        if self.pulse_break_ms[1] >= self.flash_ms[0]:
            raise ValueError("flash_ms must start above the longest pulse break")
        return self


class CallerIdPlan(_Strict):
    standard: Literal["bell202", "etsi_fsk", "dtmf"]
    timing: Literal["after_first_ring", "before_first_ring"]
    alert: Literal["none", "polarity_reversal", "dt_as", "ring_pulse"]
    delay_ms: int = Field(ge=0, le=2000, description="from the end of the first ring or alert")


class FxoPlan(_Strict):
    termination: str = Field(description="DAA country termination name, see drivers.si3050")


class CountryProfile(_Strict):
    code: str = Field(pattern=r"^[A-Z]{2}$")
    name: str
    g711_law: Literal["alaw", "ulaw"]
    tones: dict[str, ToneSpec]
    ringing: Ringing
    hook: HookTiming
    caller_id: CallerIdPlan
    fxo: FxoPlan
    emergency_numbers: tuple[str, ...] = Field(
        min_length=1, description="dialled straight out on a line, without the outside prefix"
    )

    @field_validator("tones")
    @classmethod
    def _every_tone_named(cls, tones: dict[str, ToneSpec]) -> dict[str, ToneSpec]:
        unknown = set(tones) - set(TONE_NAMES)
        missing = set(TONE_NAMES) - set(tones)
        if unknown or missing:
            raise ValueError(
                f"tones must be exactly {', '.join(TONE_NAMES)}"
                f" (unknown: {sorted(unknown)}, missing: {sorted(missing)})"
            )
        return tones


class UnknownCountry(ValueError):
    pass


# Common names people type that are not ISO 3166 codes.
ALIASES = {"UK": "GB"}


def available_countries() -> list[str]:
    return sorted(path.stem for path in PROFILE_DIR.glob("*.yaml"))


@cache
def load_country(code: str) -> CountryProfile:
    """The profile for an ISO country code such as "RU"; raises UnknownCountry otherwise."""
    code = ALIASES.get(code.upper(), code.upper())
    path = PROFILE_DIR / f"{code}.yaml"
    if not path.is_file():
        known = ", ".join(available_countries())
        raise UnknownCountry(f"no country profile for {code!r}; known: {known}")
    return CountryProfile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
