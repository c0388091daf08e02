"""`employees:` the people of the office, each with an extension and the phones that ring."""

from __future__ import annotations

from pydantic import Field

from firmware.config.fields import EmailAddress, ExtensionNumber, Language, Model
from firmware.config.people import EmployeeCalls


class Employee(Model):
    extension: ExtensionNumber
    name: str = Field(min_length=1, max_length=64)
    email: EmailAddress = ""
    language: Language | None = Field(None, description="None uses the system language")
    fxs_ports: list[int] = Field(default_factory=list, description="phones that ring")
    do_not_disturb: bool = False
    pickup_group: str = Field("office", max_length=32)
    calls: EmployeeCalls = Field(default_factory=EmployeeCalls)
