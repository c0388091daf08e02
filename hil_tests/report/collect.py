"""What a HIL run found, case by case, from the records the cases attach to their reports."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

PORT_ID = re.compile(r"\[(fx[so]\d+)[\]-]")
LINE_CASES = "fxs0 ↔ fxo0"  # cases of a call through the first phone and the first line


@dataclass
class Measurement:
    what: str
    value: float | None
    low: float
    high: float
    unit: str
    port: str
    passed: bool


@dataclass
class Curve:
    what: str
    x: list[float]
    y: list[float]
    unit: str
    port: str


@dataclass
class CaseResult:
    name: str  # the test's id, e.g. test_dial_tone[fxs1]
    outcome: str  # passed, failed, skipped
    message: str
    port: str
    measurements: list[Measurement] = field(default_factory=list)
    curves: list[Curve] = field(default_factory=list)


@dataclass
class RunResult:
    unit: dict[str, Any] = field(default_factory=dict)  # serial, product, version, rig, country
    cases: list[CaseResult] = field(default_factory=list)

    def add(
        self,
        name: str,
        outcome: str,
        message: str,
        properties: list[tuple[str, object]],
    ) -> None:
        measurements, curves = [], []
        for key, value in properties:
            if key == "measurement":
                measurements.append(Measurement(**json.loads(str(value))))
            elif key == "curve":
                curves.append(Curve(**json.loads(str(value))))
            elif key == "unit" and not self.unit:
                self.unit = dict(json.loads(str(value)))
        found = PORT_ID.search(name)
        if found:
            port = found.group(1)
        else:  # a case of its own (no port parameter) files under the port it measured
            port = measurements[0].port if measurements else LINE_CASES
        self.cases.append(CaseResult(name, outcome, message, port, measurements, curves))

    def ports(self) -> list[str]:
        """Ports in the order a technician reads them: FXS, FXO, then the line cases."""
        named = sorted({c.port for c in self.cases} - {LINE_CASES})
        named.sort(key=lambda port: (port[:3] != "fxs", port))
        return named + ([LINE_CASES] if any(c.port == LINE_CASES for c in self.cases) else [])

    def count(self, outcome: str) -> int:
        return sum(1 for case in self.cases if case.outcome == outcome)

    @property
    def passed(self) -> bool:
        return bool(self.cases) and self.count("failed") == 0
