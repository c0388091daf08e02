"""Fax receiver cost: CPU seconds per second of fax audio, spandsp's sender at V.29 9600."""

from __future__ import annotations

import tempfile
from pathlib import Path

from tests.voice.fax.interop import run_call
from tests.voice.fax.pages import write_tiff
from tests.voice.fax.spandsp_fax import SpandspFaxSender
from voice.fax.receiver import FaxReceiver


def receiver_cost_per_fax_second() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as directory:
        source = Path(directory) / "source.tif"
        write_tiff(source, 1)
        receiver = FaxReceiver("bench")
        outcome = run_call(SpandspFaxSender(str(source)), receiver)
    return {
        "fax_seconds": outcome.duration_s,
        "receiver_cpu_s": receiver.cost_seconds,
        "cpu_per_fax_second": receiver.cost_seconds / max(outcome.duration_s, 1e-9),
    }


if __name__ == "__main__":
    print(receiver_cost_per_fax_second())
