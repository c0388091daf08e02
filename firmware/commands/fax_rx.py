"""`switchboard dsp fax-rx --pipe -o FAX.pdf`: the fax receiver on a stream, for interop checks.

Reads signed 16-bit 8 kHz mono samples on stdin and, frame for frame, writes as many
samples of its own transmit audio on stdout (160 in → 160 out, flushed each frame) until the
call ends; the JSON summary (pages, rate, result) goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from drivers.frames import FRAME_SAMPLES
from voice.fax.document import write_pdf, write_tiff
from voice.fax.receiver import FaxReceiver

FRAME_BYTES = 2 * FRAME_SAMPLES


def add_parser(commands: Any) -> None:
    fax = commands.add_parser("fax-rx", help="receive a fax from s16le 8 kHz stdin, write a PDF")
    fax.add_argument("--pipe", action="store_true", required=True, help="stream stdin/stdout")
    fax.add_argument("-o", "--output", type=Path, required=True, help="PDF to write")
    fax.add_argument("--tiff", type=Path, help="also write the pages as a TIFF")
    fax.add_argument("--ident", default="", help="our CSI (the number the sender sees)")
    fax.set_defaults(handler=fax_rx_command)


def _read_frame(stream: BinaryIO) -> bytes:
    data = b""
    while len(data) < FRAME_BYTES:
        chunk = stream.read(FRAME_BYTES - len(data))
        if not chunk:
            break
        data += chunk
    return data


def receive(stdin: BinaryIO, stdout: BinaryIO, receiver: FaxReceiver) -> None:
    while not receiver.done:
        data = _read_frame(stdin)
        if len(data) < 2:
            receiver.hang_up()
            return
        samples = np.frombuffer(data[: len(data) // 2 * 2], dtype="<i2")
        stdout.write(receiver.process(samples).astype("<i2").tobytes())
        stdout.flush()
        if len(data) < FRAME_BYTES:
            receiver.hang_up()
            return


def fax_rx_command(args: argparse.Namespace) -> int:
    receiver = FaxReceiver(args.ident)
    try:
        receive(sys.stdin.buffer, sys.stdout.buffer, receiver)
    except BrokenPipeError:
        receiver.hang_up()
    outcome = receiver.outcome
    if outcome.pages:
        write_pdf(outcome.pages, outcome.fine, args.output)
        if args.tiff:
            write_tiff(outcome.pages, outcome.fine, args.tiff)
    summary = outcome.summary()
    summary["output"] = str(args.output) if outcome.pages else None
    print(json.dumps(summary), file=sys.stderr)
    return 0 if outcome.result == "ok" else 2
