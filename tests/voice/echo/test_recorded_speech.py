"""The line echo canceller on recorded human speech over every ITU-T G.168 Annex D echo
path (D.2-D.9) at 6, 10 and 20 dB echo return loss with line noise at -65 dBm0, measured
on the linear part (no NLP): what is left of the echo against the echo itself.

- ERLE (echo return loss enhancement) is at least 30 dB over every second from the first
  on (a second with echo above -50 dBm0);
- a second speaker on the line (Russian prompts) talking over the far end stands at least
  10 dB above what is left of the echo, and 30 dB of ERLE are back within a second after
  they stop;
- when the echo path changes mid-call (the call moved to another line), 30 dB are back
  within a second.
"""

from __future__ import annotations

import numpy as np
import pytest

from drivers.sim.world.g168_paths import ANNEX_D_PATHS
from tests.voice.echo import scenario
from tests.voice.echo.recorded import FS, talk

ERLS_DB = (6.0, 10.0, 20.0)
TARGET_ERLE_DB = 30.0
NEAR_ABOVE_RESIDUE_DB = 10.0
SECONDS = 4.0


@pytest.mark.parametrize("erl_db", ERLS_DB)
@pytest.mark.parametrize("path", ANNEX_D_PATHS)
def test_erle_is_30_db_from_the_first_second_of_speech(path: str, erl_db: float) -> None:
    far = talk("en", SECONDS, scenario.FAR_DBM0)
    run = scenario.run(far, [(0, scenario.annex_d(path, erl_db))])
    seconds = run.windows(1.0, SECONDS)
    print(f"\n{path} at ERL {erl_db:g} dB: ERLE per second from 1 s:", seconds)
    assert len(seconds) >= 2, "the speech left too little echo to measure"
    assert min(erle for _, erle in seconds) >= TARGET_ERLE_DB


TALK_FROM_S, TALK_UNTIL_S, DOUBLE_TALK_SECONDS = 2.0, 5.0, 8.0


@pytest.mark.parametrize("erl_db", (6.0, 20.0))
@pytest.mark.parametrize("path", ANNEX_D_PATHS)
def test_second_speaker_stands_above_the_residue_and_cancelling_resumes(
    path: str, erl_db: float
) -> None:
    far = talk("en", DOUBLE_TALK_SECONDS, scenario.FAR_DBM0)
    near = np.zeros(far.size)
    talking = slice(round(TALK_FROM_S * FS), round(TALK_UNTIL_S * FS))
    near[talking] = talk("ru", TALK_UNTIL_S - TALK_FROM_S, scenario.FAR_DBM0)
    run = scenario.run(far, [(0, scenario.annex_d(path, erl_db))], near=near)
    above = 10 * np.log10(np.sum(near[talking] ** 2) / np.sum(run.residual[talking] ** 2))
    after = run.windows(TALK_UNTIL_S + 1.0, DOUBLE_TALK_SECONDS)
    print(f"\n{path} at ERL {erl_db:g} dB: near speech {above:.1f} dB above the residue;", after)
    assert above >= NEAR_ABOVE_RESIDUE_DB
    assert after and min(erle for _, erle in after) >= TARGET_ERLE_DB


SWAP_AT_S, SWAP_SECONDS = 3.0, 6.0
SWAPS = [("d2", "d8", 6.0), ("d8", "d5", 20.0), ("d9", "d3", 10.0), ("d7", "d6", 6.0),
         ("d4", "d9", 20.0), ("d6", "d7", 10.0)]  # fmt: skip


@pytest.mark.parametrize(("before", "after", "erl_db"), SWAPS)
def test_a_new_echo_path_is_cancelled_again_within_a_second(
    before: str, after: str, erl_db: float
) -> None:
    far = talk("en", SWAP_SECONDS, scenario.FAR_DBM0, skip=40)
    swap = round(SWAP_AT_S * FS)
    paths = [(0, scenario.annex_d(before, erl_db)), (swap, scenario.annex_d(after, erl_db))]
    run = scenario.run(far, paths)
    again = run.windows(SWAP_AT_S + 1.0, SWAP_SECONDS)
    print(f"\n{before} -> {after} at ERL {erl_db:g} dB: ERLE per second after 1 s:", again)
    assert run.erle_db(1.0, SWAP_AT_S) >= TARGET_ERLE_DB
    assert again and min(erle for _, erle in again) >= TARGET_ERLE_DB
