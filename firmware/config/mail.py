"""The `email` section: the office's SMTP server, the outbox's retry policy and who gets
missed-call notices from which call centre.

Certificates are checked by default; an office server with a certificate of its own CA is
trusted by naming that CA's PEM file, never by turning the check off silently.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
RETRY_FIRST_S = 60.0  # the first retry a minute after a failure
RETRY_MAX_S = 3600.0  # then doubling up to an hour between attempts


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def _address(value: str) -> str:
    if value and not EMAIL_PATTERN.match(value):
        raise ValueError(f"{value!r} is not an e-mail address")
    return value


class OutboxSettings(_Section):
    retry_first_s: float = Field(RETRY_FIRST_S, ge=1, le=3600)
    retry_max_s: float = Field(RETRY_MAX_S, ge=60, le=86400)
    keep_sent_days: int = Field(30, ge=1, le=3650, description="sent mails kept for status")


class MissedCallNotices(_Section):
    """Notices to a call centre's supervisors about callers nobody answered."""

    call_centre: str = Field(min_length=1, max_length=64)
    enabled: bool = True
    recipients: list[str] = Field(default_factory=list)
    daily_digest: bool = Field(False, description="one summary a day instead of one per call")
    digest_hour: int = Field(18, ge=0, le=23, description="local hour the digest goes out")

    @field_validator("recipients")
    @classmethod
    def _addresses(cls, values: list[str]) -> list[str]:
        return [_address(value) for value in values]


class MailSettings(_Section):
    host: str = ""
    port: int = Field(587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str = ""
    password: str = ""
    auth: Literal["auto", "plain", "login"] = Field(
        "auto", description="AUTH mechanism; auto takes PLAIN, else LOGIN"
    )
    from_address: str = ""
    from_name: str = Field("Switchboard", max_length=64)
    verify_certificate: bool = Field(True, description="refuse servers whose certificate fails")
    ca_file: str = Field("", description="PEM file of the CA that signed the office server")
    timeout_s: float = Field(30.0, ge=1, le=300)
    outbox: OutboxSettings = Field(default_factory=OutboxSettings)
    missed_calls: list[MissedCallNotices] = Field(default_factory=list)

    @field_validator("from_address")
    @classmethod
    def _from_shape(cls, value: str) -> str:
        return _address(value)

    @model_validator(mode="after")
    def _backoff_order(self) -> MailSettings:
        if self.outbox.retry_max_s < self.outbox.retry_first_s:
            raise ValueError("outbox.retry_max_s must not be shorter than outbox.retry_first_s")
        return self

    @property
    def configured(self) -> bool:
        """A server and a sender are set: mail can be attempted."""
        return bool(self.host and self.from_address)

    def notices_for(self, call_centre: str) -> MissedCallNotices | None:
        return next((n for n in self.missed_calls if n.call_centre == call_centre), None)
