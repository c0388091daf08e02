"""Routing templates a user starts from, shipped as data files in `templates/`.

Each file holds a `routing` section for the reference extensions 101-104. Applying one fills
in what depends on the site: public holidays follow the system's country when the holiday
calendar knows it.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml

from firmware.config.routing import HOLIDAY_COUNTRIES, RoutingConfig

TEMPLATES = {
    "orders_and_support": "orders_and_support.yaml",
    "personal_managers": "personal_managers.yaml",
    "call_centre": "call_centre.yaml",
}
DEFAULT_TEMPLATE = "orders_and_support"


class UnknownTemplate(ValueError):
    pass


def template_names() -> list[str]:
    return list(TEMPLATES)


def load_template(name: str, *, country: str = "") -> RoutingConfig:
    """The template's routing section, with holidays of `country` when it has a calendar."""
    if name not in TEMPLATES:
        known = ", ".join(TEMPLATES)
        raise UnknownTemplate(f"no routing template {name!r}; choose one of {known}")
    text = (resources.files("firmware.config") / "templates" / TEMPLATES[name]).read_text(
        encoding="utf-8"
    )
    data: dict[str, Any] = yaml.safe_load(text)
    data.pop("name", None)
    holidays = country if country in HOLIDAY_COUNTRIES else None
    for scenario in data.get("scenarios", []):
        for operation in scenario["operations"].values():
            if operation["type"] == "working_hours":
                operation.setdefault("holidays_country", holidays)
    return RoutingConfig.model_validate(data)
