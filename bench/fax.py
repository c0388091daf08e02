"""Fax receiver cost per second of fax audio: ours and spandsp's, same sender, same page.

spandsp's sender transmits one fine MH page at V.29 9600, V.27ter 4800, V.29 9600 with ECM
and V.17 14400 with and without ECM; the figure is the receiving side's CPU time over the
call's duration.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from bench.fax_pages import FRAME, run_call, write_tiff
from bench.spandsp_fax import SUPPORT_V17, SUPPORT_V27TER, SUPPORT_V29, SpandspFaxSender
from voice.fax.receiver import FaxReceiver

US_PER_SECOND = 1e6
MAX_FRAMES = 120 * 8000 // FRAME


V17_AND_OLDER = SUPPORT_V17 | SUPPORT_V29 | SUPPORT_V27TER
# (name, sender's modems, ecm); spandsp's own answerer offers V.29, or V.17 when it is sent.
CASES = (
    ("V.29 9600", SUPPORT_V29, False),
    ("V.27ter 4800", SUPPORT_V27TER, False),
    ("V.29 9600 ECM", SUPPORT_V29, True),
    ("V.17 14400", V17_AND_OLDER, False),
    ("V.17 14400 ECM", V17_AND_OLDER, True),
)


def _ours(source: Path, modems: int, ecm: bool) -> tuple[float, float]:
    receiver = FaxReceiver("bench")
    outcome = run_call(SpandspFaxSender(str(source), modems=modems, ecm=ecm), receiver)
    return receiver.cost_seconds, outcome.duration_s


def _spandsp(source: Path, received: Path, modems: int, ecm: bool) -> tuple[float, float]:
    sender = SpandspFaxSender(str(source), modems=modems, ecm=ecm)
    answer_modems = V17_AND_OLDER if modems & SUPPORT_V17 else SUPPORT_V29
    answerer = SpandspFaxSender(str(received), receive_to=True, ecm=ecm, modems=answer_modems)
    to_answerer = np.zeros(FRAME, np.int16)
    cost = 0.0
    frames = 0
    for frames in range(1, MAX_FRAMES):  # noqa: B007 - the count is the duration
        started = time.perf_counter()
        answerer.receive(to_answerer)
        reply = answerer.transmit(FRAME)
        cost += time.perf_counter() - started
        sender.receive(reply)
        to_answerer = sender.transmit(FRAME)
        if sender.completion is not None and answerer.completion is not None:
            break
    sender.close()
    answerer.close()
    return cost, frames * FRAME / 8000


def run() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as directory:
        source = Path(directory) / "source.tif"
        write_tiff(source, 1)
        for name, modems, ecm in CASES:
            ours_cost, ours_seconds = _ours(source, modems, ecm)
            received = Path(directory) / f"received-{len(rows)}.tif"
            theirs_cost, theirs_seconds = _spandsp(source, received, modems, ecm)
            rows.append(
                {
                    "name": f"fax receiver, {name}, 1 fine MH page",
                    "ours_us_per_channel_s": US_PER_SECOND * ours_cost / ours_seconds,
                    "spandsp_us_per_channel_s": US_PER_SECOND * theirs_cost / theirs_seconds,
                    "note": f"call {ours_seconds:.1f} s (spandsp pair {theirs_seconds:.1f} s)",
                }
            )
    return rows
