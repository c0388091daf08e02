"""PNG plots of a HIL run: frequency response per port against its mask, and levels."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; a technician's machine or CI has no display

import matplotlib.pyplot as plt
from matplotlib.ticker import NullFormatter

from hil_tests.report.collect import Curve, Measurement, RunResult

FIGURE_SIZE_IN = (7.5, 3.6)
DPI = 110
# Noise limits reach down to digital silence; on the same axis they would squash the levels.
NOISE_FLOOR_DBM0 = -100


def frequency_response(run: RunResult, limits: tuple[float, float] | None, path: Path) -> bool:
    """One line per port; the limit mask shaded. False when no case measured a response."""
    curves: list[Curve] = [
        curve for case in run.cases for curve in case.curves if curve.what == "frequency response"
    ]
    if not curves:
        return False
    figure, axes = plt.subplots(figsize=FIGURE_SIZE_IN, dpi=DPI)
    if limits is not None:
        axes.axhspan(limits[0], limits[1], color="#d9f2d9", label="limit")
    for curve in sorted(curves, key=lambda c: c.port):
        axes.plot(curve.x, curve.y, marker="o", label=curve.port)
    axes.set_xscale("log")
    axes.set_xticks([300, 500, 1000, 2000, 3400], ["300", "500", "1k", "2k", "3.4k"])
    axes.xaxis.set_minor_formatter(NullFormatter())
    axes.set_xlabel("frequency (Hz)")
    axes.set_ylabel(curves[0].unit)
    axes.set_title("Internal call: frequency response")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize="small", ncol=3)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return True


def levels(run: RunResult, path: Path) -> bool:
    """Every level measured (dBm0), each against its limit range. False when none."""
    found: list[Measurement] = [
        m
        for case in run.cases
        for m in case.measurements
        if m.unit == "dBm0" and m.low > NOISE_FLOOR_DBM0
    ]
    found.sort(key=lambda m: (m.port, m.what))
    if not found:
        return False
    figure, axes = plt.subplots(
        figsize=(FIGURE_SIZE_IN[0], max(2.4, 0.6 + 0.28 * len(found))), dpi=DPI
    )
    labels = [f"{m.port}: {m.what}" for m in found]
    rows = list(range(len(found)))
    for row, m in zip(rows, found, strict=True):
        axes.plot([m.low, m.high], [row, row], color="#7fbf7f", linewidth=6, solid_capstyle="butt")
        if m.value is not None:
            axes.plot(m.value, row, "o", color="#2a7d2a" if m.passed else "#c0392b")
    axes.set_yticks(rows, labels, fontsize="small")
    axes.invert_yaxis()
    axes.set_xlabel("level (dBm0); bar = limit, dot = measured")
    axes.set_title("Levels")
    axes.grid(True, axis="x", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return True
