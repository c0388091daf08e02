"""SerialRig against the fixture's firmware running under MicroPython, its fake board wired
to a simulated unit and its serial port behind a pseudo-terminal (hil_tests/virtual_fixture)."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from hil_tests.micropython import ROOT, MicroPythonMissing, check_installed
from hil_tests.rig import RigError, RigTimeout, measure, open_rig
from hil_tests.rig.serial import SerialRig
from hil_tests.virtual_fixture import VirtualFixture

LINE_CASES = "hook or ring or dtmf or caller"


@pytest.fixture(scope="module")
def fixture() -> Iterator[VirtualFixture]:
    try:
        check_installed()
    except MicroPythonMissing as missing:
        pytest.fail(str(missing))
    with VirtualFixture() as started:
        yield started


def _outcomes(junit: Path) -> Counter[tuple[str, str]]:
    """(case function, outcome) counts from a JUnit XML report."""
    counts: Counter[tuple[str, str]] = Counter()
    for case in ElementTree.parse(junit).getroot().iter("testcase"):
        function = case.get("name", "").split("[")[0]
        outcome = "skipped" if case.find("skipped") is not None else "passed"
        if case.find("failure") is not None or case.find("error") is not None:
            outcome = "failed"
        counts[function, outcome] += 1
    return counts


def test_the_hook_ring_dtmf_and_caller_id_cases_pass_through_the_serial_rig(
    fixture: VirtualFixture, tmp_path: Path
) -> None:
    junit = tmp_path / "junit.xml"
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "hil_tests/cases"]
    command += ["--rig", fixture.device, "-k", LINE_CASES, f"--junitxml={junit}"]
    environment = dict(os.environ, SWITCHBOARD_SOCKET=str(fixture.unit_socket))
    result = subprocess.run(
        command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, result.stdout[-4000:] + fixture.fixture_log()[-2000:]
    # The fixture has two phone interfaces: FXS ports 2 and 3 of the unit are not wired.
    assert _outcomes(junit) == {
        ("test_hook_detection", "passed"): 2,
        ("test_hook_detection", "skipped"): 2,
        ("test_ring_cadence", "passed"): 2,
        ("test_ring_cadence", "skipped"): 2,
        ("test_dtmf_digit", "passed"): 10,
        ("test_caller_id_reaches_the_phone", "passed"): 6,  # 3 standards on each of 2 lines
        ("test_caller_id_captured_by_the_unit", "passed"): 6,
    }


def test_a_wait_that_is_not_met_times_out_on_the_fixtures_clock(fixture: VirtualFixture) -> None:
    with open_rig(fixture.device, unit_socket=str(fixture.unit_socket)) as rig:
        before = fixture.now_ms
        with pytest.raises(RigTimeout, match="FXS 1: no ringing within 3000 ms"):
            rig.fxs[1].wait_ringing(timeout_s=3)
        assert 3000 <= fixture.now_ms - before <= 3100


def test_the_fixture_records_the_dial_tone_a_lifted_phone_hears(fixture: VirtualFixture) -> None:
    with open_rig(fixture.device, unit_socket=str(fixture.unit_socket)) as rig:
        phone = rig.fxs[0]
        phone.off_hook()
        try:
            phone.wait_tone("dial", timeout_s=3)  # the unit sees the hook first, then plays
            heard = phone.record(0.5)
        finally:
            phone.on_hook()
            rig.idle(2)
    assert len(heard) == 4000
    assert sorted(round(f) for f in measure.dominant_hz(heard, count=2)) == [350, 440]


def test_the_fixture_refuses_bad_commands_with_a_reason(fixture: VirtualFixture) -> None:
    rig = SerialRig(fixture.device, unit_socket=str(fixture.unit_socket))
    try:
        with pytest.raises(RigError, match="FXS port 7: this fixture has FXS 0 to 1"):
            rig.command("FXS 7 OFFHOOK")
        with pytest.raises(RigError, match="not a DTMF key: X"):
            rig.fxs[0].dial("12X")
        with pytest.raises(RigError, match="unknown command"):
            rig.command("LAUNCH")
        with pytest.raises(RigError, match="at most 240 characters"):
            rig.command("FXS 0 DIAL " + "1" * 300)
        assert rig.command("HELLO")[0] == "OK", "the fixture still answers after errors"
    finally:
        rig.close()


def test_a_device_that_is_not_there_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RigError, match="cannot open the fixture's serial port"):
        open_rig(str(tmp_path / "ttyACM9"))
