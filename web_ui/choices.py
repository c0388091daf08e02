"""Inputs that name something else in the configuration become lists to choose from:
a scenario, a call centre, an extension, a line. Typing a name that does not exist is
then impossible from the page (the engine still checks every reference)."""

from __future__ import annotations

import re
from typing import Any

from web_ui.forms import FormField

OWN_NUMBER = re.compile(r"^employees\[\d+\]\.extension$")


def references(config: dict[str, Any]) -> dict[str, list[str]]:
    """Field name → the values it may take, from the current configuration."""
    routing = config.get("routing") or {}
    scenarios = [s["id"] for s in routing.get("scenarios", [])]
    centres = [c["id"] for c in routing.get("call_centres", [])]
    extensions = [e["extension"] for e in config.get("employees", [])]
    lines = [str(p["port"]) for p in config.get("hat", {}).get("ports", []) if p["kind"] == "fxo"]
    return {
        "scenario": scenarios,
        "default_scenario": scenarios,
        "call_centre": centres,
        "extension": extensions,
        "manager": extensions,
        "default_target": extensions,
        "line": lines,
    }


def offer_choices(fields: list[FormField], config: dict[str, Any]) -> list[FormField]:
    """Turn reference inputs among `fields` (and inside groups and tables) into selects."""
    known = references(config)
    for f in fields:
        offer_choices(f.children, config)
        for row in f.rows:
            offer_choices(row, config)
        name = f.path.rsplit(".", 1)[-1]
        if OWN_NUMBER.match(f.path):
            continue  # an employee's own extension is typed, not chosen
        if name in known and f.kind in ("text", "number"):
            current = "" if f.value is None else str(f.value)
            options = ["", *known[name]]
            if current not in options:
                options.append(current)  # keep what is there, even a dangling name
            f.kind, f.options, f.value = "select", options, current
    return fields
