"""Per-country line terminations for the Si3050 DAA, read from `si3050_countries.yaml`.

The data file states each termination in physical terms (ohms, volts, milliamps); this module
validates it and turns it into the register field codes the chip driver writes, so adding a
country is a data change. Names match `fxo.termination` in the country profiles.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

TABLE_PATH = Path(__file__).with_name("si3050_countries.yaml")

# ACIM (register 30) codes by line impedance ("a+b||c": a in series with b parallel to c).
AC_IMPEDANCE_CODES = {
    "600": 0,
    "900": 1,
    "270+750||150n": 2,
    "220+820||120n": 3,
    "370+620||310n": 4,
    "320+1050||230n": 5,
    "370+820||110n": 6,
    "275+780||115n": 7,
}
# DCV (register 26 bits 7:6) codes by off-hook tip-ring voltage.
DC_VOLTAGE_CODES = {3.1: 0, 3.2: 1, 3.35: 2, 3.5: 3}
# MINI (register 26 bits 5:4) codes by minimum operating loop current.
MIN_LOOP_CURRENT_CODES = {10: 0, 12: 1, 14: 2, 16: 3}
# Common names that are not the table's keys.
ALIASES = {"FCC": "US", "UK": "GB", "CTR21": "TBR21", "EU": "TBR21"}


class UnknownTermination(ValueError):
    pass


class DaaTermination(BaseModel):
    """One termination: physical settings, plus the register field codes they map to."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str
    ac_impedance: str
    dc_voltage_v: float
    min_loop_current_ma: int
    current_limit: bool
    on_hook_speed: Literal["fast", "etsi"]
    high_ringer_impedance: bool
    ring_threshold: Literal["normal", "high"]
    full_wave_ring_detect: bool
    ring_frequency_hz: tuple[float, float] = Field(default=(16.0, 68.0))

    @field_validator("ac_impedance")
    @classmethod
    def _known_impedance(cls, value: str) -> str:
        if value not in AC_IMPEDANCE_CODES:
            known = ", ".join(AC_IMPEDANCE_CODES)
            raise ValueError(
                f"ac_impedance {value!r} is not one the DAA offers; use one of {known}"
            )
        return value

    @field_validator("dc_voltage_v")
    @classmethod
    def _known_dc_voltage(cls, value: float) -> float:
        if value not in DC_VOLTAGE_CODES:
            raise ValueError(f"dc_voltage_v must be one of {sorted(DC_VOLTAGE_CODES)}")
        return value

    @field_validator("min_loop_current_ma")
    @classmethod
    def _known_min_current(cls, value: int) -> int:
        if value not in MIN_LOOP_CURRENT_CODES:
            raise ValueError(f"min_loop_current_ma must be one of {sorted(MIN_LOOP_CURRENT_CODES)}")
        return value

    @model_validator(mode="after")
    def _ordered_frequencies(self) -> DaaTermination:
        low, high = self.ring_frequency_hz
        if not 0 < low < high:
            raise ValueError("ring_frequency_hz must be [low, high] with 0 < low < high")
        return self

    # Register field codes.
    @property
    def acim(self) -> int:
        return AC_IMPEDANCE_CODES[self.ac_impedance]

    @property
    def dcv(self) -> int:
        return DC_VOLTAGE_CODES[self.dc_voltage_v]

    @property
    def mini(self) -> int:
        return MIN_LOOP_CURRENT_CODES[self.min_loop_current_ma]

    @property
    def ohs2(self) -> bool:
        return self.on_hook_speed == "etsi"

    @property
    def rt(self) -> bool:
        return self.ring_threshold == "high"


@cache
def _table() -> dict[str, DaaTermination]:
    raw = yaml.safe_load(TABLE_PATH.read_text(encoding="utf-8"))
    table = {}
    for name, fields in raw.items():
        try:
            table[name] = DaaTermination.model_validate({"name": name, **fields})
        except ValidationError as error:
            raise ValueError(
                f"{TABLE_PATH.name}: termination {name!r} is invalid: {error}"
            ) from None
    return table


def termination_names() -> list[str]:
    return sorted(_table())


def load_termination(name: str) -> DaaTermination:
    """The termination called `name` ("RU", "TBR21", …); raises UnknownTermination otherwise."""
    key = ALIASES.get(name.upper(), name.upper())
    try:
        return _table()[key]
    except KeyError:
        known = ", ".join(termination_names())
        raise UnknownTermination(
            f"no DAA termination called {name!r}; known: {known} (see {TABLE_PATH.name})"
        ) from None
