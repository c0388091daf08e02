"""`switchboard dsp fax-rx --pipe`: spandsp's sender talks to the CLI through its pipes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from bench.fax_pages import matching_fraction, write_tiff
from bench.spandsp_fax import T30_ERR_OK, SpandspFaxSender

FRAME = 160


def test_cli_pipe_receives_a_page_frame_for_frame(tmp_path: Path) -> None:
    sources = write_tiff(tmp_path / "source.tif", 1)
    sender = SpandspFaxSender(str(tmp_path / "source.tif"))
    pdf = tmp_path / "fax.pdf"
    tiff = tmp_path / "fax.tif"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "firmware.cli",
            "dsp",
            "fax-rx",
            "--pipe",
            "-o",
            str(pdf),
            "--tiff",
            str(tiff),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdin is not None and process.stdout is not None
    to_receiver = np.zeros(FRAME, np.int16)
    for _ in range(120 * 8000 // FRAME):
        try:
            process.stdin.write(to_receiver.tobytes())
            process.stdin.flush()
        except BrokenPipeError:
            break
        reply = process.stdout.read(2 * FRAME)
        if len(reply) < 2 * FRAME:
            break  # the receiver finished and closed its side
        sender.receive(np.frombuffer(reply, dtype=np.int16))
        to_receiver = sender.transmit(FRAME)
    for _ in range(5 * 8000 // FRAME):  # the sender idles a moment after its DCN
        if sender.completion is not None:
            break
        sender.receive(np.zeros(FRAME, np.int16))
        sender.transmit(FRAME)
    process.stdin.close()
    stderr = process.stderr.read().decode() if process.stderr else ""
    process.wait(timeout=30)
    sender.close()
    summary = json.loads(stderr.strip().splitlines()[-1])
    assert summary["result"] == "ok" and summary["pages"] == 1 and summary["rate"] == 9600
    assert sender.completion == T30_ERR_OK
    assert pdf.read_bytes().startswith(b"%PDF")
    received = 1 - np.asarray(Image.open(tiff), dtype=np.uint8)
    assert matching_fraction(received, sources[0]) >= 0.99
