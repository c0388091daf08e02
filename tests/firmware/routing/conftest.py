"""Routing tests run scenarios against a fake call control on the virtual clock."""

from __future__ import annotations

import datetime as dt
import subprocess
import zoneinfo
from pathlib import Path
from typing import Any

import pytest

from aio import host
from firmware.config.defaults import default_config
from firmware.config.document import validate
from firmware.config.schema import Config
from firmware.routing.journal import Journal
from firmware.routing.prompts import PromptLibrary
from firmware.routing.runner import RoutingRunner
from tests.firmware.routing.fake_control import FakeCall, FakeCallControl, Person

ROOT = Path(__file__).resolve().parents[3]
# A Wednesday at 11:00 in the office's time zone: open.
WORKING_HOURS = "2026-12-02T11:00"


@pytest.fixture(scope="session", autouse=True)
def spoken_prompts() -> None:
    """The prompts are generated from their texts on demand, as `make prompts` does."""
    prompts = ROOT / "voice/prompts"
    rows = [line.split("\t") for line in (prompts / "texts.tsv").read_text().splitlines()[1:]]
    wanted = [prompts / language / f"{name}.wav" for name, language, _ in rows]
    wanted.append(prompts / "en/beep.wav")
    if not all(path.exists() for path in wanted):
        subprocess.run([str(ROOT / "scripts/make-prompts")], check=True, capture_output=True)


def config_with(routing: dict[str, Any] | None = None, **employee_calls: dict[str, Any]) -> Config:
    """The default appliance (101-104 on ports 0-3, lines on 4 and 5) with this routing and
    these employees' call settings (`e101={...}`)."""
    document = default_config().model_dump(mode="json")
    if routing is not None:
        document["routing"] = routing
    for key, calls in employee_calls.items():
        employee = next(e for e in document["employees"] if e["extension"] == key[1:])
        employee["calls"].update(calls)
    return validate(document)


def scenario(operations: dict[str, Any], start: str = "first", **extra: Any) -> dict[str, Any]:
    return {
        "scenarios": [{"id": "main", "start": start, "operations": operations}],
        "inbound": {"default_scenario": "main"},
        **extra,
    }


def people(**behaviour: Person) -> dict[str, Person]:
    """`people(e101=Person(...))`: everyone not named answers after 3 s."""
    crowd = {str(extension): Person() for extension in range(101, 105)}
    crowd.update({key.removeprefix("e"): person for key, person in behaviour.items()})
    return crowd


class Rig:
    def __init__(
        self,
        config: Config,
        crowd: dict[str, Person] | None = None,
        *,
        history_db: Path | None = None,
        history: Any = None,
    ) -> None:
        self.prompts = PromptLibrary()
        self.control = FakeCallControl(self.prompts, crowd if crowd is not None else people())
        self.journal = Journal(history_db)
        self.runner = RoutingRunner(
            self.control, config, prompts=self.prompts, journal=self.journal, history=history
        )

    async def inbound(self, **details: Any) -> FakeCall:
        call = self.control.call(**details)
        await self.runner.handle_inbound(call)
        return call

    async def direct(self, extension: str, **details: Any) -> FakeCall:
        call = self.control.call(**details)
        await self.runner.handle_direct(call, extension)
        return call


def run(main: Any, when: str = WORKING_HOURS, timezone: str = "UTC") -> Any:
    """Run a test coroutine on the virtual clock, starting at local time `when`."""
    start = dt.datetime.fromisoformat(when).replace(tzinfo=zoneinfo.ZoneInfo(timezone))
    return host.run(main, virtual=True, wall_epoch=start.timestamp())
