"""dBm0 convention, level meter and silence detector."""

from __future__ import annotations

import numpy as np
import pytest

from tests.voice.signals import ZERO_DBM0_PEAK, samples, sine
from voice.level import (
    LEVEL_FLOOR_DBM0,
    LevelMeter,
    SilenceDetector,
    amplitude_to_dbm0,
    dbm0_to_amplitude,
    dbm0_to_power,
    level_dbm0,
    power_to_dbm0,
)


def test_a_full_scale_sine_is_plus_3_14_dbm0():
    assert dbm0_to_amplitude(0.0) == pytest.approx(ZERO_DBM0_PEAK)
    assert dbm0_to_amplitude(0.0) == pytest.approx(22826.5, abs=1)
    assert amplitude_to_dbm0(32768) == pytest.approx(3.14)
    assert dbm0_to_power(-10) == pytest.approx(ZERO_DBM0_PEAK**2 / 2 / 10)
    assert power_to_dbm0([ZERO_DBM0_PEAK**2 / 2, 0.0])[0] == pytest.approx(0.0)
    assert power_to_dbm0([0.0])[0] == LEVEL_FLOOR_DBM0


@pytest.mark.parametrize("level", [0, -13, -30, -50])
def test_block_level_of_a_sine_is_its_dbm0(level):
    assert level_dbm0(sine(1000, level, 8000)) == pytest.approx(level, abs=0.01)
    assert level_dbm0(np.zeros(160)) == LEVEL_FLOOR_DBM0


def test_running_meter_follows_a_step_and_ignores_block_size():
    signal = np.concatenate([sine(700, -30, 8000), sine(700, -10, 8000)])
    readings = []
    for block in (1, 160, 8000):
        meter = LevelMeter(time_constant_ms=100)
        last = [meter.feed(signal[i : i + block]) for i in range(0, signal.size, block)]
        readings.append(last[-1])
        meter.reset()
        assert meter.level_dbm0 == LEVEL_FLOOR_DBM0
    assert readings[0] == pytest.approx(-10, abs=0.1)
    assert readings[0] == pytest.approx(readings[1], abs=1e-9)
    assert readings[0] == pytest.approx(readings[2], abs=1e-9)


def bursts(gaps_ms: list[int], burst_ms: int = 300, level: float = -25) -> np.ndarray:
    parts = [np.zeros(samples(100))]
    for gap in gaps_ms:
        parts += [sine(500, level, samples(burst_ms)), np.zeros(samples(gap))]
    return np.concatenate(parts)


def test_silence_is_declared_after_the_hangover_and_short_gaps_are_bridged():
    detector = SilenceDetector(threshold_dbm0=-40, hangover_ms=300)
    events = detector.feed(bursts([200, 250, 1000]))
    assert [event.silent for event in events] == [False, True]
    active, silent = events
    assert active.sample == pytest.approx(samples(100), abs=samples(5))
    # Silence starts where the last burst ended (late by the envelope's decay below the
    # threshold) and is known one hangover later.
    last_burst_end = samples(100 + 3 * 300 + 200 + 250)
    assert 0 <= silent.sample - last_burst_end <= samples(60)
    assert silent.detected_sample - silent.sample == samples(300)
    assert detector.silent


def test_signals_below_the_threshold_stay_silent():
    detector = SilenceDetector(threshold_dbm0=-40)
    assert detector.feed(bursts([500], level=-50)) == []
    assert detector.silent


def test_silence_events_do_not_depend_on_block_size():
    signal = bursts([100, 600, 200, 900])
    results = []
    for block in (1, 160, 4000):
        detector = SilenceDetector(threshold_dbm0=-40, hangover_ms=350)
        events = []
        for index in range(0, signal.size, block):
            events += detector.feed(signal[index : index + block])
        results.append(events)
    assert results[0] == results[1] == results[2]
    assert [event.silent for event in results[0]] == [False, True, False, True]
