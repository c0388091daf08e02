"""The G.168 Annex D echo paths: all eight, at the echo return loss and delay asked for."""

from __future__ import annotations

import numpy as np
import pytest

from drivers.sim.world.g168_paths import ANNEX_D_PATHS, annex_d_path
from drivers.sim.world.line_model import voice_band_gain


def test_all_eight_annex_d_paths_are_there() -> None:
    assert ANNEX_D_PATHS == ("d2", "d3", "d4", "d5", "d6", "d7", "d8", "d9")


@pytest.mark.parametrize("name", ANNEX_D_PATHS)
@pytest.mark.parametrize("erl_db", [6.0, 10.0, 20.0])
def test_path_has_the_stated_return_loss_and_delay(name: str, erl_db: float) -> None:
    path = annex_d_path(name, erl_db, delay_ms=5.0)
    assert np.all(path[:40] == 0.0) and path[40] != 0.0
    assert -10 * np.log10(voice_band_gain(path[40:])) == pytest.approx(erl_db, abs=1e-9)


def test_unknown_path_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ValueError, match="d2, d3"):
        annex_d_path("d1", 6.0)
