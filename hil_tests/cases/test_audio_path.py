"""The audio path of an internal call, as the called phone's earpiece hears the caller:
level of a 1004 Hz test tone, the frequency response across the voice band, idle-channel
noise, harmonic distortion and the delay from mouthpiece to earpiece."""

from __future__ import annotations

from typing import Any

import pytest

from hil_tests.cases.conftest import FXS, Measured, port_of
from hil_tests.cases.helpers import (
    SETTLE_S,
    TEST_HZ,
    TEST_LEVEL_DBM0,
    TONE_S,
    extension_of,
    heard_dbm0,
)
from hil_tests.rig import Rig, RigTimeout, measure

NOISE_S = 1.0
LATENCY_WINDOW_S = 0.5


def _connect(rig: Rig, called_index: int) -> tuple[Any, Any]:
    """An internal call from the next port to `called_index`, answered."""
    called = port_of(rig, "fxs", called_index)
    caller = rig.fxs[(called_index + 1) % len(rig.fxs)]
    try:
        caller.off_hook()
        caller.wait_tone("dial", timeout_s=2)
        caller.dial(extension_of(called_index))
        called.wait_ringing(timeout_s=5)
        called.off_hook()
    except RigTimeout as error:
        pytest.fail(f"fxs{called_index}: no internal call to it ({error})")
    rig.idle(0.3)
    return caller, called


@pytest.mark.parametrize("index", FXS)
def test_internal_call_audio_path(
    rig: Rig, index: int, limits: dict[str, Any], measured: Measured
) -> None:
    spec = limits["audio"]
    port = f"fxs{index}"
    caller, called = _connect(rig, index)
    reference = heard_dbm0(called, caller)
    levels = [heard_dbm0(called, caller, hz) for hz in spec["response_frequencies_hz"]]
    relative = [level - reference for level in levels]
    measured.curve(
        "frequency response", spec["response_frequencies_hz"], relative, "dB re 1004 Hz", port
    )
    measured(
        f"level heard of a {TEST_LEVEL_DBM0} dBm0 tone at {TEST_HZ} Hz",
        reference,
        spec["level_dbm0"],
        "dBm0",
        port,
    )
    for hz, response in zip(spec["response_frequencies_hz"], relative, strict=True):
        measured(f"response at {hz} Hz", response, spec["response_db"], "dB", port)
    heard = called.record(TONE_S, source=caller, hz=TEST_HZ, level_dbm0=TEST_LEVEL_DBM0)
    measured("delay mouthpiece to earpiece", _delay_ms(heard), spec["latency_ms"], "ms", port)
    measured(
        f"distortion of a {TEST_HZ} Hz tone",
        measure.thd_percent(heard[round(SETTLE_S * measure.SAMPLE_RATE_HZ) :], TEST_HZ),
        spec["thd_percent"],
        "%",
        port,
    )
    quiet = called.record(SETTLE_S + NOISE_S)  # the last tone still in flight drains first
    noise = measure.level_dbm0(quiet[round(SETTLE_S * measure.SAMPLE_RATE_HZ) :])
    measured("idle channel noise", noise, spec["noise_dbm0"], "dBm0", port)


def _delay_ms(heard: Any) -> float | None:
    onset = measure.onset_s(heard[: round(LATENCY_WINDOW_S * measure.SAMPLE_RATE_HZ)], TEST_HZ)
    return None if onset is None else onset * 1000
