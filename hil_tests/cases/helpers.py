"""What several cases share: extensions of the default configuration, port states, cadence."""

from __future__ import annotations

from typing import Any

from hil_tests.rig import Rig, measure

FIRST_EXTENSION = 101  # the default configuration numbers FXS ports 101, 102, …
OUTSIDE_PREFIX = "9"
TEST_HZ = 1004  # the test tone the telephone network measures with
TEST_LEVEL_DBM0 = -10
SETTLE_S = 0.2  # the tone starts at the first recorded sample; skip the path's delay
TONE_S = 0.7


def heard_dbm0(listener: Any, speaker: Any, hz: float = TEST_HZ) -> float:
    """The level `listener` hears of a TEST_LEVEL_DBM0 tone `speaker` sends."""
    heard = listener.record(SETTLE_S + TONE_S, source=speaker, hz=hz, level_dbm0=TEST_LEVEL_DBM0)
    return measure.component_dbm0(heard[round(SETTLE_S * measure.SAMPLE_RATE_HZ) :], hz)


def extension_of(fxs_index: int) -> str:
    return str(FIRST_EXTENSION + fxs_index)


def port_state(rig: Rig, kind: str, index: int) -> str:
    rows = [row for row in rig.unit.status()["ports"] if row["kind"] == kind]
    return str(rows[index]["state"])


def port_row(rig: Rig, kind: str, index: int) -> dict[str, Any]:
    rows = [row for row in rig.unit.status()["ports"] if row["kind"] == kind]
    return dict(rows[index])


def cadence_error_ms(
    observed: list[int], expected: list[int], truncated_first: bool
) -> float | None:
    """Worst deviation of each whole observed interval from the nearest expected interval of
    the same kind (ring or pause); None when less than one whole cycle was seen."""
    intervals = list(enumerate(observed))
    if truncated_first:
        intervals = intervals[1:]
    if len(intervals) < len(expected):
        return None
    rings, pauses = expected[0::2], expected[1::2]
    worst = 0.0
    for position, duration in intervals:
        candidates = rings if position % 2 == 0 else pauses
        worst = max(worst, min(abs(duration - c) for c in candidates))
    return worst
