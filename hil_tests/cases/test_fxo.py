"""FXO ports as the exchange sees them: line voltage, ring detection and seizure, the echo a
caller hears back once the unit's canceller has converged, release on each way the far
end can clear, and dialling out: the number received on each line, and the key tones sent."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

from hil_tests.cases.conftest import FXO, Measured, port_of
from hil_tests.cases.helpers import OUTSIDE_PREFIX, port_row
from hil_tests.rig import Rig, RigTimeout, measure

CALLER_NUMBER = "5550142"
ECHO_TEST_HZ = 1004  # the test tone the telephone network measures with
ECHO_TALK_DBM0 = -10
ECHO_CONVERGENCE_S = 1.0  # G.168 judges the residual after 1 s of far-end speech
ECHO_MEASURE_S = 2.0


def _answered_call(rig: Rig, index: int) -> Any:
    """An incoming call on FXO `index`, answered on the phone the line rings (fxs0)."""
    line, phone = port_of(rig, "fxo", index), rig.fxs[0]
    line.ring(CALLER_NUMBER, standard="bell202")
    try:
        phone.wait_ringing(timeout_s=15)
        phone.off_hook()
        line.wait_seized(timeout_s=3)
    except RigTimeout as error:
        line.disconnect()  # the exchange gives up, so the next case finds the line free
        pytest.fail(f"fxo{index}: an incoming call was not put through ({error})")
    return line, phone


@pytest.mark.parametrize("index", FXO)
def test_incoming_call_seizes_the_line(
    rig: Rig, index: int, limits: dict[str, Any], measured: Measured
) -> None:
    """The unit sees the exchange's battery, detects ringing and seizes the line on answer."""
    port = f"fxo{index}"
    port_of(rig, "fxo", index)
    volts = port_row(rig, "fxo", index)["measurements"].get("line_volts")
    measured("line voltage seen by the unit", volts, limits["fxo"]["line_volts"], "V", port)
    line, _phone = _answered_call(rig, index)
    reading = line.loop()
    measured(
        "loop current after seizure", reading.loop_current_ma, limits["fxo"]["loop_ma"], "mA", port
    )
    line.disconnect()


@pytest.mark.parametrize("index", FXO)
def test_echo_return_loss(rig: Rig, index: int, limits: dict[str, Any], measured: Measured) -> None:
    """A caller on fxs0 talking over FXO `index` hears little of their own voice back."""
    line, phone = _answered_call(rig, index)
    heard = phone.record(
        ECHO_CONVERGENCE_S + ECHO_MEASURE_S,
        source=phone,
        hz=ECHO_TEST_HZ,
        level_dbm0=ECHO_TALK_DBM0,
    )
    residual = measure.component_dbm0(
        heard[round(ECHO_CONVERGENCE_S * measure.SAMPLE_RATE_HZ) :], ECHO_TEST_HZ
    )
    measured(
        "echo return loss after the canceller",
        ECHO_TALK_DBM0 - residual,
        limits["fxo"]["echo_return_loss_db"],
        "dB",
        f"fxo{index}",
    )
    line.disconnect()


DISCONNECT_METHODS = ["loop", "polarity", "busy"]
RELEASE_POLL_S = 0.1


@pytest.mark.parametrize("method", DISCONNECT_METHODS)
@pytest.mark.parametrize("index", FXO)
def test_far_end_disconnect_releases_the_line(
    rig: Rig, index: int, method: str, limits: dict[str, Any], measured: Measured
) -> None:
    """The exchange clears the call (battery break, polarity reversal or busy tone) and the
    unit lets go of the line in time."""
    line, _phone = _answered_call(rig, index)
    rig.idle(1.0)
    line.disconnect(method)
    low, high = limits["fxo"]["release_s"]
    polls = 0
    while line.loop().seized and polls * RELEASE_POLL_S <= high:
        rig.idle(RELEASE_POLL_S)
        polls += 1
    released_s = None if line.loop().seized else round(polls * RELEASE_POLL_S, 1)
    measured(
        f"line released after {method} disconnect", released_s, (low, high), "s", f"fxo{index}"
    )


DIALLED_NUMBER = "5550123456789"  # every DTMF digit
HOLDING_NUMBER = "5550100"
DIAL_NOW = "#"  # ends the number at once (no wait for the inter-digit timeout)
KEYING_RECORD_S = 10.0  # the keys, the seizure, the exchange's dial tone and the digits


def _dial_out(rig: Rig, phone_index: int, number: str) -> Any:
    phone = port_of(rig, "fxs", phone_index)
    phone.off_hook()
    phone.wait_tone("dial", timeout_s=2)
    phone.dial(OUTSIDE_PREFIX + number + DIAL_NOW)
    return phone


def _hold_lines_before(rig: Rig, index: int) -> None:
    """Calls from the next phones take the lines before FXO `index`, so the unit's first
    free line for an outgoing call is this one."""
    for earlier in range(index):
        holder = earlier + 1
        try:
            _dial_out(rig, holder, HOLDING_NUMBER)
            rig.fxo[earlier].wait_seized(timeout_s=10)
        except RigTimeout as error:
            pytest.fail(f"fxo{index}: fxs{holder} could not take fxo{earlier} first ({error})")


@pytest.mark.parametrize("index", FXO)
def test_dialling_out_through_each_line(
    rig: Rig, index: int, limits: dict[str, Any], measured: Measured
) -> None:
    """fxs0 dials an outside number with every DTMF digit; the unit takes the first free
    line and the exchange receives the whole number."""
    port = f"fxo{index}"
    line = port_of(rig, "fxo", index)
    _hold_lines_before(rig, index)
    try:
        _dial_out(rig, 0, DIALLED_NUMBER)
        dialled_at = rig.unit.clock_s()
        line.wait_seized(timeout_s=10)
        received = line.wait_digits(len(DIALLED_NUMBER), timeout_s=15)
    except RigTimeout as error:
        pytest.fail(f"{port}: fxs0's outside call did not go out on this line ({error})")
    measured(
        "whole number on the line after the last key",
        rig.unit.clock_s() - dialled_at,
        limits["fxo"]["dial_out_s"],
        "s",
        port,
    )
    assert received == DIALLED_NUMBER, f"{port}: the exchange received {received!r}"


def _group_levels(tone: np.ndarray, key: str) -> tuple[float, float]:
    low_hz, high_hz = measure.key_frequencies(key)
    return measure.component_dbm0(tone, low_hz), measure.component_dbm0(tone, high_hz)


@pytest.mark.parametrize("index", FXO)
def test_key_tones_sent_on_each_line(
    rig: Rig, index: int, limits: dict[str, Any], measured: Measured
) -> None:
    """The key tones the unit sends on each line when fxs0 dials out: the level of each
    group, the twist between them, and the shortest tone and pause (Q.23/Q.24)."""
    spec = limits["fxo"]["key_tones"]
    port = f"fxo{index}"
    line = port_of(rig, "fxo", index)
    _hold_lines_before(rig, index)
    phone = rig.fxs[0]
    phone.off_hook()
    phone.wait_tone("dial", timeout_s=2)
    keys = measure.key_tones(OUTSIDE_PREFIX + DIALLED_NUMBER + DIAL_NOW)
    heard = line.record(KEYING_RECORD_S, source=phone, samples=keys)
    sent = measure.bursts(heard)
    if len(sent) != len(DIALLED_NUMBER):
        pytest.fail(f"{port}: {len(sent)} key tones on the line for {DIALLED_NUMBER}")
    levels = []
    for (start_s, length_s), key in zip(sent, DIALLED_NUMBER, strict=True):
        edge = 0.01  # the analyser's frames at each end hold part tone, part quiet
        begin = round((start_s + edge) * measure.SAMPLE_RATE_HZ)
        end = round((start_s + length_s - edge) * measure.SAMPLE_RATE_HZ)
        levels.append(_group_levels(heard[begin:end], key))
    lows, highs = [low for low, _ in levels], [high for _, high in levels]
    twists = [high - low for low, high in levels]
    for what, values in (("low-group", lows), ("high-group", highs)):
        measured(f"{what} level, weakest key", min(values), spec["level_dbm0"], "dBm0", port)
        measured(f"{what} level, strongest key", max(values), spec["level_dbm0"], "dBm0", port)
    measured("twist (high − low), most negative", min(twists), spec["twist_db"], "dB", port)
    measured("twist (high − low), most positive", max(twists), spec["twist_db"], "dB", port)
    lengths = [length_s * 1000 for _, length_s in sent]
    pauses = [
        (later - (start + length)) * 1000
        for (start, length), (later, _) in itertools.pairwise(sent)
    ]
    measured("shortest key tone", min(lengths), spec["tone_ms"], "ms", port)
    measured("shortest pause between key tones", min(pauses), spec["pause_ms"], "ms", port)
