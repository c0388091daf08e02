"""Routing reports on a large history: 100 000 generated inbound calls through three
scenarios (menus, call centres, voicemail), each report timed and its memory measured."""

from __future__ import annotations

import random
import resource
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from firmware.routing import reports
from firmware.storage.database import open_writer

CALLS = 100_000
SCENARIOS = {
    "main": [("hours", "working_hours"), ("greeting", "menu"), ("sales", "call_centre")],
    "support": [("hours", "working_hours"), ("queue", "call_centre")],
    "night": [("message", "voicemail")],
}
MEMBERS = ["101", "102", "103", "104"]
DAY_S = 86400.0
START = 1_790_000_000.0


def generate(path: Path, calls: int = CALLS, seed: int = 7) -> None:
    """A history as the engine and routing would have written it."""
    connection = open_writer(path)
    chooser = random.Random(seed)
    rows: dict[str, list[tuple[Any, ...]]] = {"calls": [], "legs": [], "steps": [], "rings": []}
    for number in range(calls):
        _one_call(chooser, number, rows)
    with connection:
        connection.executemany(
            "INSERT INTO calls (call_id, direction, from_number, to_number, line_port,"
            " started_at, answered_at, ended_at, ring_s, talk_s, end_reason)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows["calls"],
        )
        connection.executemany(
            "INSERT INTO legs (call_id, channel, party, role, started_at, answered_at, ended_at,"
            " end_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows["legs"],
        )
        connection.executemany(
            "INSERT INTO call_steps (call_id, seq, at, scenario, operation, kind, exit, subject)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows["steps"],
        )
        connection.executemany(
            "INSERT INTO ring_attempts (call_id, at, call_centre, member, rang_s, outcome)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            rows["rings"],
        )
    connection.close()


def _one_call(chooser: random.Random, number: int, rows: dict[str, list[tuple[Any, ...]]]) -> None:
    call_id = f"bench-{number}"
    started = START + number * (30 * DAY_S / CALLS)
    scenario = chooser.choices(list(SCENARIOS), weights=(6, 3, 1))[0]
    answered = scenario != "night" and chooser.random() < 0.8
    ring_s = chooser.uniform(2, 60)
    talk_s = chooser.uniform(20, 400) if answered else 0.0
    member = chooser.choice(MEMBERS)
    ended = started + ring_s + talk_s
    reason = "completed" if answered else chooser.choice(["caller_gave_up", "voicemail"])
    rows["calls"].append(
        (
            call_id,
            "inbound",
            f"8495{chooser.randrange(10**7):07d}",
            "",
            chooser.choice([4, 5]),
            started,
            started + ring_s if answered else None,
            ended,
            ring_s,
            talk_s,
            reason,
        )
    )
    rows["legs"].append((call_id, "FXO/4", "caller", "caller", started, None, ended, reason))
    if answered:
        port = f"FXS/{MEMBERS.index(member)}"
        answered_at = started + ring_s
        rows["legs"].append((call_id, port, member, "callee", started, answered_at, ended, reason))
    rows["steps"].append((call_id, 0, started, scenario, "", "scenario", "entered", ""))
    for seq, (operation, kind) in enumerate(SCENARIOS[scenario], start=1):
        exit_name = "answered" if kind == "call_centre" and answered else "next"
        subject = scenario if kind == "call_centre" else ""
        step = (call_id, seq, started + seq, scenario, operation, kind, exit_name, subject)
        rows["steps"].append(step)
        if kind == "call_centre":
            outcome = "answered" if answered else "no_answer"
            rows["rings"].append((call_id, started, scenario, member, ring_s, outcome))


def _measured(work: Any) -> tuple[float, float, float]:
    """Wall and CPU seconds, and the peak of Python allocations (SQLite's own memory shows
    in the process's peak resident size, printed last)."""
    tracemalloc.start()
    started, cpu = time.perf_counter(), time.process_time()
    work()
    seconds, cpu_s = time.perf_counter() - started, time.process_time() - cpu
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, cpu_s, peak / 1e6


def run() -> Iterator[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "history.sqlite3"
        started = time.perf_counter()
        generate(path)
        size_mb = path.stat().st_size / 1e6
        yield {
            "name": f"routing history: {CALLS} calls generated",
            "note": f"{time.perf_counter() - started:.1f} s, {size_mb:.0f} MB on disk",
        }
        connection = reports.open_history(path)
        for by in (None, *reports.DIMENSIONS):
            seconds, cpu_s, peak_mb = _measured(
                lambda by=by: reports.scenario_report(connection, by=by)
            )
            label = f"by {by}" if by else "per scenario"
            yield {
                "name": f"report {label}, {CALLS} calls",
                "note": f"{seconds:.2f} s ({cpu_s:.2f} s CPU), Python peak {peak_mb:.1f} MB",
            }
        seconds, cpu_s, peak_mb = _measured(lambda: reports.member_report(connection))
        yield {
            "name": "report per call-centre member",
            "note": f"{seconds:.2f} s ({cpu_s:.2f} s CPU), Python peak {peak_mb:.1f} MB",
        }
        connection.close()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
    yield {"name": "routing reports: process peak resident memory", "note": f"{rss_mb:.0f} MB"}


if __name__ == "__main__":
    for row in run():
        print(row)
