"""Fixtures of the acceptance cases: the rig (`--rig sim` or a serial device), the
country's limits, and `measured`, which records a value against its limit for the report."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hil_tests.limits import load_limits
from hil_tests.report.plugin import HilReport
from hil_tests.rig import Rig, RigError, open_rig

FXS_PORTS = 4  # the reference hat; a rig with fewer ports skips the rest
FXO_PORTS = 2
# Per-port parameters for cases, named as the report names the ports.
FXS = [pytest.param(i, id=f"fxs{i}") for i in range(FXS_PORTS)]
FXO = [pytest.param(i, id=f"fxo{i}") for i in range(FXO_PORTS)]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("hil")
    group.addoption("--rig", default="sim", help='"sim" or the fixture\'s serial device')
    group.addoption("--country", default="US", help="limits file in hil_tests/limits/")
    group.addoption(
        "--fault",
        action="append",
        default=[],
        help="inject a fault (simulated rig): dead_slic:fxsN, no_line:fxoN, gain:fxsN, echo:fxoN",
    )
    group.addoption(
        "--hil-report",
        default=None,
        metavar="DIR",
        help="write the technician's report (report.html, PNG plots) into DIR",
    )


def pytest_configure(config: pytest.Config) -> None:
    folder = config.getoption("hil_report")
    if folder and not config.pluginmanager.has_plugin("hil_report"):
        limits = load_limits(config.getoption("country"))
        config.pluginmanager.register(HilReport(Path(folder), limits), "hil_report")


@pytest.fixture(scope="session")
def limits(pytestconfig: pytest.Config) -> dict[str, Any]:
    return load_limits(pytestconfig.getoption("country"))


def _fault_port(rig: Rig, target: str) -> int:
    """`fxs1`/`fxo0` as the cases name ports, or the hat's port number."""
    for prefix, ports in (("fxs", rig.fxs), ("fxo", rig.fxo)):
        if target.startswith(prefix) and target[len(prefix) :].isdigit():
            position = int(target[len(prefix) :])
            if position >= len(ports):
                raise pytest.UsageError(f"--fault: the rig has no port {target}")
            return ports[position].port
    if not target.isdigit():
        raise pytest.UsageError(f"--fault: {target!r} is not a port (fxs0, fxo1 or a number)")
    return int(target)


@pytest.fixture(scope="session")
def rig(pytestconfig: pytest.Config) -> Iterator[Rig]:
    with open_rig(pytestconfig.getoption("rig")) as opened:
        for text in pytestconfig.getoption("fault"):
            kind, _, target = text.partition(":")
            opened.inject_fault(kind, _fault_port(opened, target))
        yield opened


@pytest.fixture(scope="session")
def unit_identity(rig: Rig, pytestconfig: pytest.Config) -> str:
    """The unit under test as the report's header names it, asked once of the unit."""
    status = rig.unit.status()
    return json.dumps(
        {
            "serial": rig.unit.serial_number(),
            "product": status.get("hat", {}).get("product", ""),
            "version": status.get("system", {}).get("version", ""),
            "rig": rig.name if rig.name != "sim" else "sim (simulated unit)",
            "country": pytestconfig.getoption("country"),
        }
    )


@pytest.fixture(autouse=True)
def idle_after(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each case starts with every phone on-hook, silent, and the lines idle; each case's
    record names the unit, so the report's header survives xdist."""
    if "rig" in request.fixturenames:
        request.node.user_properties.append(("unit", request.getfixturevalue("unit_identity")))
    yield
    if "rig" not in request.fixturenames:
        return
    opened: Rig = request.getfixturevalue("rig")
    with contextlib.suppress(RigError):
        for party in [*opened.fxs, *opened.fxo]:
            party.play(None)
        for phone in opened.fxs:
            phone.on_hook()
    # A call a failed case left ringing in must not reach the next case's phone.
    for line in opened.fxo:
        with contextlib.suppress(RigError):
            line.disconnect()
    with contextlib.suppress(RigError):
        opened.idle(8)


def port_of(rig: Rig, kind: str, index: int) -> Any:
    ports = rig.fxs if kind == "fxs" else rig.fxo
    if index >= len(ports):
        pytest.skip(f"the rig has no {kind.upper()} port {index}")
    return ports[index]


class Measured:
    """Records each measurement (with its port and limit) for the report, and fails the
    case with a clear message when one is outside its limit."""

    def __init__(self, node: pytest.Item) -> None:
        self._node = node

    def __call__(
        self,
        what: str,
        value: float | None,
        limit: tuple[float, float] | list[float],
        unit: str = "",
        port: str = "",
    ) -> None:
        low, high = limit
        value = None if value is None else float(value)
        passed = bool(value is not None and low <= value <= high)
        self._node.user_properties.append(
            (
                "measurement",
                json.dumps(
                    {
                        "what": what,
                        "value": value,
                        "low": low,
                        "high": high,
                        "unit": unit,
                        "port": port,
                        "passed": passed,
                    }
                ),
            )
        )
        shown = "nothing measured" if value is None else f"{value:.2f} {unit}".strip()
        if not passed:
            pytest.fail(f"{port}: {what} {shown}, limit {low:g} to {high:g} {unit}".strip())

    def curve(self, what: str, xs: list[float], ys: list[float], unit: str, port: str) -> None:
        """A series for the report's plots (e.g. frequency response)."""
        self._node.user_properties.append(
            ("curve", json.dumps({"what": what, "x": xs, "y": ys, "unit": unit, "port": port}))
        )


@pytest.fixture
def measured(request: pytest.FixtureRequest) -> Measured:
    return Measured(request.node)
