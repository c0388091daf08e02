"""A pytest plugin that collects what the HIL cases record and writes the report at the end
of the session (`--hil-report DIR`). Under xdist the workers' reports carry each case's
records (user_properties) to the controller, which alone writes."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest

from hil_tests.report import html, plots
from hil_tests.report.collect import RunResult


class HilReport:
    def __init__(self, folder: Path, limits: dict[str, Any]) -> None:
        self.folder = folder
        self.limits = limits
        self.run = RunResult()

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # One entry per case: its call, or the setup that failed or skipped it.
        if report.when == "call" or (report.when == "setup" and not report.passed):
            name = report.nodeid.rpartition("::")[2]
            message = _reason(report) if report.failed or report.skipped else ""
            self.run.add(name, report.outcome, message, list(report.user_properties))

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if hasattr(session.config, "workerinput"):
            return  # an xdist worker: the controller writes
        self.folder.mkdir(parents=True, exist_ok=True)
        drawn = []
        response = self.limits.get("audio", {}).get("response_db")
        if plots.frequency_response(
            self.run, tuple(response) if response else None, self.folder / "frequency.png"
        ):
            drawn.append(("Frequency response", "frequency.png"))
        if plots.levels(self.run, self.folder / "levels.png"):
            drawn.append(("Levels", "levels.png"))
        now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
        html.write(self.run, drawn, now, self.folder / "report.html")


def _reason(report: pytest.TestReport) -> str:
    """The one line a technician reads: why the case failed or was skipped."""
    longrepr = report.longrepr
    crash = getattr(longrepr, "reprcrash", None)
    if isinstance(longrepr, tuple):  # a skip: (file, line, reason)
        text = str(longrepr[2])
    elif crash is not None:
        text = str(crash.message)
    else:
        text = report.longreprtext
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first.removeprefix("Failed: ").removeprefix("Skipped: ")
