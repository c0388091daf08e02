"""`email:` the SMTP server the appliance sends its mail through."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from firmware.config.fields import EmailAddress, Model


class SmtpSettings(Model):
    host: str = ""
    port: int = Field(587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str = ""
    password: str = ""
    from_address: EmailAddress = ""
