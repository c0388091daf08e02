"""Cost of the DTMF receiver and generator per channel-second, beside spandsp's C receiver."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from bench import corpus, spandsp
from voice.dtmf import DtmfGenerator, DtmfReceiver


def _receiver() -> Callable[[NDArray[np.int16]], object]:
    return DtmfReceiver().feed


def _spandsp_receiver() -> Callable[[NDArray[np.int16]], object]:
    return spandsp.DtmfRx().feed


def _generator() -> Callable[[NDArray[np.int16]], object]:
    generator = DtmfGenerator(on_ms=70, off_ms=70)
    generator.put("0123456789*#ABCD" * 40)
    return lambda frame: generator.read(frame.size)


def run() -> list[dict]:
    """Bench rows: DTMF receiver on speech with digits, and the generator."""
    speech = corpus.cost_audio()
    digits = DtmfGenerator(on_ms=60, off_ms=60, level_dbm0=-15).signal("1234567890*#ABCD" * 8)
    audio = np.concatenate([speech, digits])
    available = spandsp.load_library() is not None
    ours = corpus.us_per_channel_second(_receiver, audio)
    theirs = corpus.us_per_channel_second(_spandsp_receiver, audio) if available else None
    seconds = audio.size / 8000
    return [
        corpus.cost_row(
            "DTMF receiver", ours, theirs, f"{seconds:.0f} s of prompts and digits, 20 ms frames"
        ),
        corpus.cost_row("DTMF generator", corpus.us_per_channel_second(_generator, audio), None),
    ]


def main() -> None:
    corpus.print_rows(run())


if __name__ == "__main__":
    main()
