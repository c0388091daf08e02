"""Cost of the DTMF receiver and generator per channel-second, beside spandsp's C receiver."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from bench import corpus, spandsp
from firmware.engine.digit_listening import ANALYSIS_FRAMES
from voice.dtmf import DtmfGenerator, DtmfReceiver
from voice.dtmf_bank import DtmfReceiverBank

BANK_CHANNELS = 8  # a fully equipped hat


def _receiver() -> Callable[[NDArray[np.int16]], object]:
    return DtmfReceiver().feed


def _spandsp_receiver() -> Callable[[NDArray[np.int16]], object]:
    return spandsp.DtmfRx().feed


def _bank_run(audio: NDArray[np.int16], listening: int) -> Callable[[], float]:
    """One timed run (µs per channel-second) of `listening` channels fed together, each
    the same material started at a different point (the first at its start), as the
    engine feeds them: ANALYSIS_FRAMES media frames at a time."""
    channels = list(range(listening))
    shift = audio.size // BANK_CHANNELS
    signals = np.stack([np.roll(audio, channel * shift) for channel in channels])
    frame = corpus.FRAME_SAMPLES * ANALYSIS_FRAMES
    blocks = [signals[:, i : i + frame] for i in range(0, audio.size - frame + 1, frame)]
    seconds = listening * len(blocks) * frame / 8000

    def one_run() -> float:
        bank = DtmfReceiverBank(listening)
        start = time.process_time()
        for block in blocks:
            bank.feed(channels, block)
        return (time.process_time() - start) / seconds * 1e6

    return one_run


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
    runs = [
        _bank_run(audio, BANK_CHANNELS),
        _bank_run(audio, 1),
        corpus.frame_run(_receiver, audio),
    ]
    if available:
        runs.append(corpus.frame_run(_spandsp_receiver, audio))
    # Taking turns: see side_by_side_us.
    bank, dialling, ours, *spandsp_us = corpus.alternating_best(runs)
    theirs = spandsp_us[0] if spandsp_us else None
    c_alone = corpus.c_alone_us(_spandsp_receiver, audio) if available else None
    seconds = audio.size / 8000
    return [
        corpus.cost_row(
            f"DTMF receiver bank, {BANK_CHANNELS} channels (engine, full hat)",
            bank,
            theirs,
            f"per channel; {seconds:.0f} s of prompts and digits,"
            f" analysed {ANALYSIS_FRAMES * 20} ms at a time",
            c_alone,
        ),
        corpus.cost_row(
            "DTMF receiver bank, 1 channel (engine, one dialling)",
            dialling,
            theirs,
            f"{seconds:.0f} s of prompts and digits, analysed {ANALYSIS_FRAMES * 20} ms at a"
            " time (a bank call with few channels runs each through its own receiver)",
            c_alone,
        ),
        corpus.cost_row(
            "DTMF receiver, one channel alone, 20 ms frames",
            ours,
            theirs,
            f"{seconds:.0f} s of prompts and digits, each 20 ms frame analysed as it comes"
            " (no product path feeds it so)",
            c_alone,
        ),
        corpus.cost_row("DTMF generator", corpus.us_per_channel_second(_generator, audio), None),
    ]


def main() -> None:
    corpus.print_rows(run())


if __name__ == "__main__":
    main()
