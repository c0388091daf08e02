"""FXS ports as a telephone sees them: hook detection, dial tone, digits, ringing."""

from __future__ import annotations

from typing import Any

import pytest

from hil_tests.cases.conftest import FXS, Measured, port_of
from hil_tests.cases.helpers import OUTSIDE_PREFIX, cadence_error_ms, extension_of, port_state
from hil_tests.rig import Rig, measure

DIGITS = list("0123456789")
OUTSIDE_NUMBER = "555012"


@pytest.mark.parametrize("index", FXS)
def test_hook_detection(rig: Rig, index: int) -> None:
    phone = port_of(rig, "fxs", index)
    phone.off_hook()
    phone.wait_tone("dial", timeout_s=2)
    assert port_state(rig, "fxs", index) != "idle", f"fxs{index}: off-hook not detected"
    phone.on_hook()
    rig.idle(2)  # longer than the longest hook flash
    assert port_state(rig, "fxs", index) == "idle", f"fxs{index}: on-hook not detected"


@pytest.mark.parametrize("index", FXS)
def test_dial_tone(rig: Rig, index: int, limits: dict[str, Any], measured: Measured) -> None:
    spec = limits["dial_tone"]
    phone = port_of(rig, "fxs", index)
    phone.off_hook()
    rig.idle(0.3)
    heard = phone.record(1.0)
    found = measure.dominant_hz(heard, count=len(spec["frequencies_hz"]))
    tolerance = spec["frequency_tolerance_hz"]
    for expected in spec["frequencies_hz"]:
        # The strongest component near each expected one; none on a silent port.
        near = [f for f in found if abs(f - expected) <= 4 * tolerance]
        frequency = min(near, key=lambda f: abs(f - expected)) if near else None
        measured(
            f"dial tone {expected} Hz component",
            frequency,
            (expected - tolerance, expected + tolerance),
            "Hz",
            f"fxs{index}",
        )
        measured(
            f"dial tone level at {expected} Hz",
            measure.component_dbm0(heard, expected),
            spec["level_dbm0"],
            "dBm0",
            f"fxs{index}",
        )


def _dial_out(rig: Rig, digits: str, *, pulse: bool) -> str:
    phone, line = rig.fxs[0], rig.fxo[0]
    phone.off_hook()
    phone.wait_tone("dial", timeout_s=2)
    (phone.dial_pulse if pulse else phone.dial)(OUTSIDE_PREFIX + digits)
    line.wait_seized(timeout_s=10)
    return line.wait_digits(len(digits), timeout_s=15)


@pytest.mark.parametrize("digit", DIGITS)
def test_dtmf_digit(rig: Rig, digit: str) -> None:
    """The digit, keyed as DTMF on fxs0, is recognised and dialled out on fxo0."""
    number = OUTSIDE_NUMBER + digit
    assert _dial_out(rig, number, pulse=False) == number


@pytest.mark.parametrize("digit", DIGITS)
def test_pulse_digit(rig: Rig, digit: str) -> None:
    """The digit, dialled by loop breaks on fxs0, is counted and dialled out on fxo0."""
    number = OUTSIDE_NUMBER + digit
    assert _dial_out(rig, number, pulse=True) == number


@pytest.mark.parametrize("index", FXS)
def test_ring_cadence(rig: Rig, index: int, limits: dict[str, Any], measured: Measured) -> None:
    spec = limits["ring"]
    called = port_of(rig, "fxs", index)
    caller = rig.fxs[(index + 1) % len(rig.fxs)]
    caller.off_hook()
    caller.wait_tone("dial", timeout_s=2)
    caller.dial(extension_of(index))
    called.wait_ringing(timeout_s=5)
    bell = called.watch_ringing(13)
    pattern = spec["internal_cadence_ms"]
    error = cadence_error_ms(bell.cadence_ms, pattern, truncated_first=True)
    port = f"fxs{index}"
    measured("ring cadence deviation", error, (0, spec["cadence_tolerance_ms"]), "ms", port)
    measured("ring frequency", bell.frequency_hz, spec["frequency_hz"], "Hz", port)
    measured("ring voltage", bell.amplitude_vpk, spec["amplitude_vpk"], "Vpk", port)
