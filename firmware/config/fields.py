"""What every configuration section is built from: the strict model base and shared field types."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict

Language = Literal["en", "ru", "uk"]
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class Model(BaseModel):
    """A configuration model: unknown keys are errors and assignments are validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def matching(pattern: str, requirement: str) -> AfterValidator:
    """A validator that accepts text matching `pattern` whole, else says `requirement`."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(f"{value!r} {requirement}")
        return value

    return AfterValidator(check)


def email_address(value: str) -> str:
    """An empty string or something shaped like an e-mail address."""
    if value and not EMAIL_PATTERN.match(value):
        raise ValueError(f"{value!r} is not an e-mail address")
    return value


ExtensionNumber = Annotated[str, matching(r"[0-9]{2,6}", "must be 2 to 6 digits, e.g. 101")]
EmailAddress = Annotated[str, AfterValidator(email_address)]
