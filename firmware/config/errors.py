"""Configuration errors a user can act on: one `path: reason` line per problem."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FieldError:
    path: str  # e.g. "employees[2].extension"; "(document)" for the whole file
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "reason": self.reason}


class ConfigError(ValueError):
    """A configuration document was rejected; `errors` lists every problem found."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(error) for error in errors))


def format_location(location: tuple[Any, ...]) -> str:
    """Turn a pydantic error location into `hat.ports[3].label` form."""
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(document)"
