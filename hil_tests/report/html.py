"""The report page a technician keeps: the unit, the verdict, and per port each case with
its measured values against their limits."""

from __future__ import annotations

from html import escape
from pathlib import Path

from hil_tests.report.collect import CaseResult, Measurement, RunResult

STYLE = """
body { font-family: sans-serif; margin: 24px; color: #222; max-width: 1100px; }
h1 { margin-bottom: 4px; }
table { border-collapse: collapse; margin: 8px 0 20px; width: 100%; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: left; font-size: 14px; }
th { background: #f2f2f2; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.pass { color: #1e7b1e; font-weight: bold; }
.fail { color: #b02a1e; font-weight: bold; }
.skip { color: #777; }
.verdict { font-size: 22px; padding: 6px 12px; display: inline-block; border-radius: 4px; }
.verdict.pass { background: #e3f5e3; }
.verdict.fail { background: #fbe4e1; }
dl.header { display: grid; grid-template-columns: max-content auto; gap: 2px 16px; }
dl.header dt { font-weight: bold; }
dl.header dd { margin: 0; }
img { max-width: 100%; border: 1px solid #ddd; margin: 6px 0 16px; }
"""

OUTCOME_CLASS = {"passed": "pass", "failed": "fail", "skipped": "skip"}
OUTCOME_TEXT = {"passed": "PASS", "failed": "FAIL", "skipped": "skipped"}


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _measurement_row(case: str, m: Measurement) -> str:
    verdict = "pass" if m.passed else "fail"
    return (
        f"<tr><td>{escape(case)}</td><td>{escape(m.what)}</td>"
        f'<td class="num">{_number(m.value)}</td>'
        f'<td class="num">{m.low:g} … {m.high:g}</td><td>{escape(m.unit)}</td>'
        f'<td class="{verdict}">{verdict.upper()}</td></tr>'
    )


def _case_rows(case: CaseResult) -> list[str]:
    rows = [_measurement_row(case.name, m) for m in case.measurements]
    if case.outcome != "passed" and case.message:
        # A case that stopped before (or without) an out-of-limit measurement says why.
        if not any(not m.passed for m in case.measurements):
            css = OUTCOME_CLASS.get(case.outcome, "skip")
            rows.append(
                f'<tr><td>{escape(case.name)}</td><td colspan="4">{escape(case.message)}</td>'
                f'<td class="{css}">{OUTCOME_TEXT.get(case.outcome, case.outcome)}</td></tr>'
            )
    elif not case.measurements:
        css = OUTCOME_CLASS.get(case.outcome, "skip")
        rows.append(
            f'<tr><td>{escape(case.name)}</td><td colspan="4">checked (no measured value)</td>'
            f'<td class="{css}">{OUTCOME_TEXT.get(case.outcome, case.outcome)}</td></tr>'
        )
    return rows


def render(run: RunResult, plots: list[tuple[str, str]], date: str) -> str:
    unit = run.unit
    verdict = "PASS" if run.passed else "FAIL"
    header = [
        ("Hat serial number", unit.get("serial", "unknown")),
        ("Product", unit.get("product", "")),
        ("Firmware", unit.get("version", "")),
        ("Date", date),
        ("Rig", unit.get("rig", "")),
        ("Country", unit.get("country", "")),
        (
            "Cases",
            f"{run.count('passed')} passed, {run.count('failed')} failed, "
            f"{run.count('skipped')} skipped",
        ),
    ]
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Acceptance report {escape(str(unit.get('serial', '')))}</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>Switchboard acceptance report</h1>",
        f'<p class="verdict {verdict.lower()}">Verdict: {verdict}</p>',
        '<dl class="header">',
        *(f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>" for k, v in header),
        "</dl>",
    ]
    for port in run.ports():
        cases = sorted((case for case in run.cases if case.port == port), key=lambda c: c.name)
        failed = sum(1 for case in cases if case.outcome == "failed")
        state = (
            f'<span class="fail">{failed} failed</span>'
            if failed
            else ('<span class="pass">all passed</span>')
        )
        parts += [
            f"<h2>Port {escape(port)} — {state}</h2>",
            "<table><tr><th>Case</th><th>Measurement</th><th>Measured</th>"
            "<th>Limit</th><th>Unit</th><th>Result</th></tr>",
        ]
        for case in cases:
            parts += _case_rows(case)
        parts.append("</table>")
    if plots:
        parts.append("<h2>Plots</h2>")
        parts += [f'<img src="{escape(file)}" alt="{escape(title)}">' for title, file in plots]
    parts.append("</body></html>")
    return "\n".join(parts)


def write(run: RunResult, plots: list[tuple[str, str]], date: str, path: Path) -> None:
    path.write_text(render(run, plots, date), encoding="utf-8")
