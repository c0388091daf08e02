"""Ring validation from comparator samples made here from numpy signals."""

import math

import numpy as np
import pytest

from drivers.fxo_ring import (
    RINGING_POLL_MS,
    VALIDATE_POLL_MS,
    RingState,
    RingValidationSettings,
    RingValidator,
)

THRESHOLD_V = 15.0 * math.sqrt(2)  # 15 Vrms ring detector threshold
COUPLING_TAU_MS = 20.0


def ring_voltage(t_ms: np.ndarray, frequency_hz: float, vrms: float) -> np.ndarray:
    return math.sqrt(2) * vrms * np.sin(2 * math.pi * frequency_hz * t_ms / 1000)


def feed(validator: RingValidator, t_ms: np.ndarray, volts: np.ndarray, start_ms: int = 0):
    """Sample the comparators the way the port does: at the validator's own rate."""
    verdicts = []
    now = start_ms
    end = start_ms + int(t_ms[-1])
    while now <= end:
        v = float(np.interp(now - start_ms, t_ms, volts))
        verdict = validator.feed(now, v > THRESHOLD_V, v < -THRESHOLD_V)
        if verdict is not None:
            verdicts.append(verdict)
        now += validator.poll_interval_ms or 1
    return verdicts


def burst(frequency_hz: float, on_ms: int, vrms: float = 75.0, tail_ms: int = 600):
    t = np.arange(0, on_ms + tail_ms, 0.25)
    v = np.where(t < on_ms, ring_voltage(t, frequency_hz, vrms), 0.0)
    return t, v


@pytest.mark.parametrize("frequency_hz", [16.0, 20.0, 25.0, 50.0, 68.0])
def test_a_ring_in_the_window_starts_after_validation_and_stops_after_the_debounce(frequency_hz):
    validator = RingValidator()
    t, v = burst(frequency_hz, on_ms=1000)
    start, stop = feed(validator, t, v, start_ms=5000)
    assert start.kind == "start" and stop.kind == "stop"
    assert 5000 <= start.at_ms < 5000 + 1000 / frequency_hz  # the onset
    assert abs(start.frequency_hz - frequency_hz) / frequency_hz < 0.05
    assert 5000 + 1000 - 1000 / frequency_hz <= stop.at_ms <= 5000 + 1000  # last ring activity
    assert validator.state is RingState.IDLE


def test_a_weak_ring_just_over_the_threshold_still_validates():
    validator = RingValidator()
    t, v = burst(16.0, on_ms=800, vrms=16.5)
    verdicts = feed(validator, t, v)
    assert [verdict.kind for verdict in verdicts] == ["start", "stop"]


@pytest.mark.parametrize("frequency_hz", [10.0, 100.0])
def test_ring_signals_outside_the_window_are_rejected(frequency_hz):
    validator = RingValidator()
    t, v = burst(frequency_hz, on_ms=1000)
    verdicts = feed(validator, t, v)
    assert verdicts and all(verdict.kind == "rejected" for verdict in verdicts)
    assert "Hz" in verdicts[0].reason


def test_a_60_ms_ring_burst_is_rejected():
    validator = RingValidator()
    t, v = burst(25.0, on_ms=60)
    verdicts = feed(validator, t, v)
    assert [verdict.kind for verdict in verdicts] == ["rejected"]


def test_a_polarity_step_through_the_coupling_capacitor_is_rejected():
    t = np.arange(0, 500, 0.25)
    # -96 V step decaying through the ring detector's input coupling, then a step back at 40 ms.
    v = np.where(t < 40, -96 * np.exp(-t / COUPLING_TAU_MS), 0.0)
    back = 96 - 96 * np.exp(-40 / COUPLING_TAU_MS)
    v = np.where(t >= 40, back * np.exp(-(t - 40) / COUPLING_TAU_MS), v)
    validator = RingValidator()
    verdicts = feed(validator, t, v)
    assert [verdict.kind for verdict in verdicts] == ["rejected"]


def test_sampling_is_fast_only_while_validating_or_ringing():
    validator = RingValidator()
    assert validator.poll_interval_ms is None
    validator.feed(0, True, False)
    assert validator.poll_interval_ms == VALIDATE_POLL_MS
    t, v = burst(25.0, on_ms=400, tail_ms=0)
    feed(validator, t, v, start_ms=2)
    assert validator.state is RingState.RINGING
    assert validator.poll_interval_ms == RINGING_POLL_MS
    validator.abandon()
    assert validator.poll_interval_ms is None


def test_the_lowest_accepted_frequency_sets_the_longest_quiet_gap():
    assert RingValidationSettings(min_frequency_hz=16.0).max_gap_ms == 40
    assert RingValidationSettings(min_frequency_hz=25.0).max_gap_ms == 25
