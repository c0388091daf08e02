"""Cost of the call-progress and fax tone detectors per channel-second, beside spandsp's."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from bench import corpus, spandsp
from firmware.countries import load_country
from voice.faxtones import FaxToneDetector
from voice.tones import DETECTABLE, CallProgressDetector, ToneGenerator

COUNTRY = "RU"


def _tones() -> dict:
    return load_country(COUNTRY).tones


def _progress() -> Callable[[NDArray[np.int16]], object]:
    return CallProgressDetector(_tones()).feed


def _spandsp_progress() -> Callable[[NDArray[np.int16]], object]:
    tones = _tones()
    detector = spandsp.SuperToneRx(
        {
            name: (tuple(tones[name].frequencies), tuple(tones[name].cadence_ms))
            for name in DETECTABLE
        }
    )
    return detector.feed


def _fax() -> Callable[[NDArray[np.int16]], object]:
    return FaxToneDetector().feed


def _spandsp_fax() -> Callable[[NDArray[np.int16]], object]:
    # spandsp needs one detector per tone: CNG, and the answer tone with all its variants.
    cng = spandsp.ModemConnectTonesRx(spandsp.MODEM_CONNECT_TONES_FAX_CNG)
    answer = spandsp.ModemConnectTonesRx(spandsp.MODEM_CONNECT_TONES_ANSAM_PR)
    return lambda frame: (cng.feed(frame), answer.feed(frame))


def _generator() -> Callable[[NDArray[np.int16]], object]:
    generator = ToneGenerator(_tones()["busy"])
    return lambda frame: generator.read(frame.size)


def run() -> list[dict]:
    """Bench rows: tone detectors on speech with tones in it, and the tone generator."""
    tones = _tones()
    busy = ToneGenerator(tones["busy"]).read(8000 * 5)
    audio = np.concatenate([corpus.cost_audio(), busy])
    available = spandsp.load_library() is not None
    rows = []
    for name, ours, theirs in (
        (f"call-progress detector ({COUNTRY})", _progress, _spandsp_progress),
        ("fax tone detector (CNG, ANS/ANSam ±PR)", _fax, _spandsp_fax),
    ):
        ours_us, theirs_us, c_alone = corpus.beside_spandsp(
            ours, theirs if available else None, audio
        )
        rows.append(corpus.cost_row(name, ours_us, theirs_us, "20 ms frames", c_alone))
    rows.append(
        corpus.cost_row(
            "call-progress tone generator", corpus.us_per_channel_second(_generator, audio), None
        )
    )
    return rows


def main() -> None:
    corpus.print_rows(run())


if __name__ == "__main__":
    main()
