"""Acceptance limits per country (`<country>.json` beside this file)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent


def load_limits(country: str) -> dict[str, Any]:
    path = HERE / f"{country}.json"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in HERE.glob("*.json")))
        raise FileNotFoundError(f"no limits for country {country!r}; have: {known}")
    return dict(json.loads(path.read_text()))
