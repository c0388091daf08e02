"""Recorded speech keeps the quality of one G.711 pass on every voice path of the hat.

A listener notices a muffled, noisy or choppy voice; ITU-T P.862 (PESQ, narrow band) puts a
MOS-LQO on it. One pass of the same speech through G.711 (about 4.15 for the English speech,
4.43 for the Russian) is the best a G.711 path can do; every path must stay within 0.1 of
it, and at 4.05 or above. The parties first talk in turn, so an exchange line's echo
canceller has learnt the line and its non-linear processor has worked before the measured
speech arrives.
"""

from __future__ import annotations

import pytest

from bench.corpus import CorpusMissing
from bench.voice_paths import (
    PATHS,
    TURN_S,
    carry,
    g711_passes,
    pesq_score,
    recorded_speech,
)

MIN_MOS_LQO = 4.05
MAX_BELOW_ONE_PASS = 0.1

pytest.importorskip("pesq", reason="the pesq package is a dev dependency (pip install -e .[dev])")


@pytest.mark.slow
@pytest.mark.parametrize("country", ["US", "RU"])  # µ-law and A-law
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(("language", "listener_language"), [("en", "ru"), ("ru", "en")])
def test_recorded_speech_scores_within_a_tenth_of_one_g711_pass(
    path, country, language, listener_language
):
    try:
        speech, turn = recorded_speech(language), recorded_speech(listener_language, TURN_S)
    except CorpusMissing as missing:
        pytest.skip(str(missing))
    carried = carry(path, country, speech, turn)
    one_pass = pesq_score(carried.sent, g711_passes(carried.sent, carried.law, 1))
    score = pesq_score(carried.sent, carried.heard)
    by_stage = {stage: round(pesq_score(carried.sent, a), 3) for stage, a in carried.stages.items()}
    assert score >= MIN_MOS_LQO, f"{path}: MOS-LQO {score:.3f}, by stage {by_stage}"
    assert score >= one_pass - MAX_BELOW_ONE_PASS, (
        f"{path}: MOS-LQO {score:.3f}, one G.711 pass {one_pass:.3f}, by stage {by_stage}"
    )
