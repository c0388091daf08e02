"""The `voicemail` and `recording` sections: boxes, quotas and call-recording retention.

A box belongs to an employee (`owner` is their extension; mail goes to their address unless
the box names recipients) or is shared (a call centre's, a scenario's). Quotas are in
megabytes of audio; a box at its quota is "full": callers hear so and the mail still goes out.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from firmware.config.errors import FieldError

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
BOX_ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
GreetingKind = Literal["unavailable", "busy", "after_hours", "temporary", "name"]
GREETING_KINDS: tuple[GreetingKind, ...] = (
    "unavailable",
    "busy",
    "after_hours",
    "temporary",
    "name",
)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class VoicemailBox(_Section):
    id: str = Field(description="short name used in file names and feature codes, e.g. 101")
    name: str = Field("", max_length=64, description="shown in mails, e.g. Sales")
    owner: str = Field("", description="the employee's extension; empty for a shared box")
    pin: str = Field("", description="4 to 8 digits; empty asks for no PIN")
    recipients: list[str] = Field(default_factory=list, description="mail for each message")
    language: Literal["", "en", "ru", "uk"] = ""
    max_message_s: int = Field(180, ge=10, le=3600)
    max_messages: int = Field(100, ge=1, le=10000)
    quota_mb: float = Field(50.0, gt=0, le=100000)
    attach_audio: bool = True

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not BOX_ID_PATTERN.fullmatch(value):
            raise ValueError(f"{value!r} must be 1-32 of a-z, 0-9, - and _, e.g. sales")
        return value

    @field_validator("pin")
    @classmethod
    def _pin_shape(cls, value: str) -> str:
        if value and not re.fullmatch(r"[0-9]{4,8}", value):
            raise ValueError("a PIN is 4 to 8 digits")
        return value

    @field_validator("recipients")
    @classmethod
    def _addresses(cls, values: list[str]) -> list[str]:
        for value in values:
            if not EMAIL_PATTERN.match(value):
                raise ValueError(f"{value!r} is not an e-mail address")
        return values


class VoicemailCodes(_Section):
    """Feature codes an extension dials to reach voicemail by phone."""

    own_box: str = Field("*97", pattern=r"^[*#0-9]{1,4}$", description="one's own box")
    any_box: str = Field("*98", pattern=r"^[*#0-9]{1,4}$", description="asks for the box")


class VoicemailSettings(_Section):
    boxes: list[VoicemailBox] = Field(default_factory=list)
    codes: VoicemailCodes = Field(default_factory=VoicemailCodes)
    pin_on_own_phone: bool = Field(
        False, description="ask for the PIN also when the owner calls from their own phone"
    )
    total_quota_mb: float = Field(2048.0, gt=0, description="all boxes together")
    pin_attempts: int = Field(3, ge=1, le=10, description="wrong PINs before hanging up")
    silence_end_s: float = Field(5.0, ge=1, le=60, description="a recording ends after this")

    def box(self, box_id: str) -> VoicemailBox | None:
        return next((box for box in self.boxes if box.id == box_id), None)


class RecordingRule(_Section):
    """Whose calls are recorded: an employee, a call centre or an inbound route."""

    scope: Literal["employee", "call_centre", "inbound_route"]
    target: str = Field(
        min_length=1,
        max_length=64,
        description="the extension, the call centre's id, or the line's port (e.g. 4) or "
        "the number dialled",
    )


class RecordingSettings(_Section):
    rules: list[RecordingRule] = Field(default_factory=list)
    retention_days: int = Field(90, ge=1, le=3650)
    max_disk_share: float = Field(
        0.25, gt=0, le=0.9, description="fraction of the data disk recordings may fill"
    )


def voicemail_problems(voicemail: VoicemailSettings, extensions: set[str]) -> list[FieldError]:
    """Duplicate box ids and owners that are not employees."""
    problems: list[FieldError] = []
    seen: set[str] = set()
    owners: set[str] = set()
    for number, box in enumerate(voicemail.boxes):
        where = f"voicemail.boxes[{number}]"
        if box.id in seen:
            problems.append(FieldError(f"{where}.id", f"box {box.id} is configured twice"))
        seen.add(box.id)
        if box.owner and box.owner not in extensions:
            problems.append(FieldError(f"{where}.owner", f"extension {box.owner} does not exist"))
        elif box.owner in owners:
            problems.append(
                FieldError(f"{where}.owner", f"extension {box.owner} already has a box")
            )
        if box.owner:
            owners.add(box.owner)
    return problems
