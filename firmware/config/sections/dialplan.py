"""`dialplan:` what dialled digits mean: the outside-line prefix, timers, feature codes."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from firmware.config.fields import Model, matching

FeatureCode = Annotated[
    str, matching(r"[*#0-9]{1,4}", "must be 1 to 4 of the keys 0-9, * and #, e.g. *78")
]


class FeatureCodes(Model):
    pickup_group: FeatureCode = "*8"
    pickup_directed: FeatureCode = "**"
    dnd_on: FeatureCode = "*78"
    dnd_off: FeatureCode = "*79"


class DialPlan(Model):
    outbound_prefix: Annotated[str, matching(r"[0-9]{1,2}", "must be 1 or 2 digits, e.g. 9")] = "9"
    interdigit_timeout_s: float = Field(4.0, ge=1.0, le=20.0)
    off_hook_warning_after_s: float = Field(20.0, ge=5.0, le=120.0)
    feature_codes: FeatureCodes = Field(default_factory=FeatureCodes)
