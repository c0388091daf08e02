"""How calls reach an employee: devices, personal hours, absences, forwarding, voicemail.

Lives beside the `Employee` model as its `calls` section. Forwarding follows what users of
cloud PBXs know: a direct call nobody answers rings for two minutes, then the caller hears
busy tone and the call ends, unless the employee chose to forward it, play a message or
send it to voicemail; likewise when they are busy or their phone's port has failed.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from firmware.config.calendar import DateRange, WeeklySchedule
from firmware.config.strict import StrictModel

DEFAULT_NO_ANSWER_S = 120.0
_OUTSIDE_NUMBER = re.compile(r"^\+?[0-9]{3,20}$")


def _outside_number(value: str) -> str:
    if not _OUTSIDE_NUMBER.match(value):
        raise ValueError(f"{value!r} must be a phone number of 3 to 20 digits, e.g. 89161234567")
    return value


OutsideNumber = Annotated[str, AfterValidator(_outside_number)]
ForwardAction = Literal["busy_tone", "message", "forward", "voicemail"]
CallerNotice = Literal["standard", "custom", "none"]


class ForwardRule(StrictModel):
    """What happens to a direct call the employee does not take."""

    action: ForwardAction = "busy_tone"
    # forward: an extension or a call centre id ("cc:sales"); voicemail: a box (default: own)
    target: str = ""
    notice: CallerNotice = Field(
        "standard", description="what the caller hears first when the call is forwarded"
    )
    greeting: str = Field("", description="the custom notice or message (a prompt name)")

    @model_validator(mode="after")
    def _target_when_forwarding(self) -> ForwardRule:
        if self.action == "forward" and not self.target:
            raise ValueError("forward needs a target: an extension or a call centre (cc:<id>)")
        if self.notice == "custom" and not self.greeting:
            raise ValueError("a custom notice needs a greeting")
        return self


class Forwarding(StrictModel):
    no_answer_after_s: float = Field(DEFAULT_NO_ANSWER_S, ge=5, le=600)
    no_answer: ForwardRule = Field(default_factory=ForwardRule)
    busy: ForwardRule = Field(default_factory=ForwardRule)
    port_failed: ForwardRule = Field(default_factory=ForwardRule)


class EmployeeCalls(StrictModel):
    """The `calls` section of an employee."""

    external_numbers: list[OutsideNumber] = Field(
        default_factory=list, description="mobile or home numbers rung through an exchange line"
    )
    ring: Literal["together", "in_order"] = "together"
    device_answer_s: float = Field(20.0, ge=5, le=300, description="per device, in order")
    schedule: WeeklySchedule | None = Field(None, description="personal hours; none: any time")
    absences: list[DateRange] = Field(default_factory=list)
    forwarding: Forwarding = Field(default_factory=Forwarding)
    voicemail_box: str = Field("", max_length=32, description="empty: the employee's own box")
