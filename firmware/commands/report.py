"""`switchboard report`: routing reports from the history database, as a table or CSV."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
from typing import Any

from firmware.paths import DataPaths
from firmware.routing import reports

KINDS = ("scenarios", "members", "employees", "missed")


def add_parser(subparsers: Any, data_options: Any) -> None:
    report = subparsers.add_parser(
        "report",
        help="call reports: per scenario, call-centre member, employee; missed calls",
        description="Reports over the call history. Dates are YYYY-MM-DD in UTC; --until is "
        "exclusive.",
    )
    data_options(report)
    report.add_argument("kind", nargs="?", default="scenarios", choices=KINDS)
    report.add_argument(
        "--by", choices=tuple(reports.DIMENSIONS), help="second dimension (scenarios report)"
    )
    report.add_argument("--since", type=_date, help="first day, e.g. 2026-12-01")
    report.add_argument("--until", type=_date, help="day after the last one")
    report.add_argument(
        "--service-level-s",
        type=float,
        default=reports.DEFAULT_SERVICE_LEVEL_S,
        help="answered within this many seconds counts as served (default %(default)s)",
    )
    report.add_argument("--csv", action="store_true", help="CSV instead of a table")
    report.set_defaults(handler=report_command)


def report_command(args: argparse.Namespace) -> int:
    path = DataPaths.resolve(args.data).history_db
    if not path.exists():
        print(f"{path}: no call history yet", file=sys.stderr)
        return 1
    window = {"since": args.since or 0.0, "until": args.until or float("inf")}
    connection = reports.open_history(path)
    try:
        if args.kind == "scenarios":
            table = reports.scenario_report(
                connection, by=args.by, service_level_s=args.service_level_s, **window
            )
        elif args.kind == "members":
            table = reports.member_report(connection, **window)
        elif args.kind == "employees":
            table = reports.employee_report(connection, **window)
        else:
            table = reports.missed_calls(connection, **window)
    finally:
        connection.close()
    if args.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(table.columns)
        writer.writerows(table.rows)
    else:
        print(format_table(table))
    return 0


def format_table(table: reports.Table) -> str:
    cells = [table.columns, *[[_cell(value) for value in row] for row in table.rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(table.columns))]
    lines = [
        "  ".join(
            cell.ljust(width) if index == 0 else cell.rjust(width)
            for index, (cell, width) in enumerate(zip(row, widths, strict=True))
        )
        for row in cells
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    if not table.rows:
        lines.append("(no calls)")
    return "\n".join(lines)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.1f}"
    return "" if value is None else str(value)


def _date(text: str) -> float:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-12-01") from None
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC).timestamp()
