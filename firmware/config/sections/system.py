"""`system:` the appliance's name, country, time zone and language."""

from __future__ import annotations

import zoneinfo

from pydantic import Field, field_validator

from firmware.config.fields import Language, Model
from firmware.countries import UnknownCountry, load_country


class SystemSettings(Model):
    name: str = Field("Switchboard", min_length=1, max_length=64)
    country: str = Field("US", description="ISO country code of the phone network")
    timezone: str = "UTC"
    language: Language = Field("en", description="language of announcements")

    @field_validator("country")
    @classmethod
    def _known_country(cls, value: str) -> str:
        try:
            return load_country(value).code
        except UnknownCountry as error:
            raise ValueError(str(error)) from None

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            message = f"unknown time zone {value!r}; use a name like Europe/Moscow"
            raise ValueError(message) from None
        return value
