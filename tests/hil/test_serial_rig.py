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
from hil_tests.rig.audio import open_audio_interface
from hil_tests.rig.serial import SerialRig
from hil_tests.virtual_fixture import VirtualFixture

LINE_CASES = "hook or ring or dtmf or caller"
AUDIO_CASES = "audio_path or fax or key_tones or echo or call_centre"


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


def _run_cases(fixture: VirtualFixture, selection: str, junit: Path) -> None:
    """The acceptance cases `selection` picks, against the serial rig, in their own process
    as a technician runs them; the rig's audio interface is the virtual fixture's."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "hil_tests/cases"]
    command += ["--rig", fixture.device, "-k", selection, f"--junitxml={junit}"]
    environment = dict(
        os.environ,
        SWITCHBOARD_SOCKET=str(fixture.unit_socket),
        SWITCHBOARD_RIG_AUDIO=f"unix:{fixture.audio_socket}",
    )
    result = subprocess.run(
        command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, result.stdout[-4000:] + fixture.fixture_log()[-2000:]


def test_the_hook_ring_dtmf_and_caller_id_cases_pass_through_the_serial_rig(
    fixture: VirtualFixture, tmp_path: Path
) -> None:
    junit = tmp_path / "junit.xml"
    _run_cases(fixture, LINE_CASES, junit)
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


def test_the_audio_cases_pass_through_the_serial_rigs_audio_interface(
    fixture: VirtualFixture, tmp_path: Path
) -> None:
    junit = tmp_path / "junit.xml"
    _run_cases(fixture, AUDIO_CASES, junit)
    # The call centre's members are the unit's second and third extensions: the fixture
    # wires only two phones, so that case is skipped, as on a two-phone bench.
    assert _outcomes(junit) == {
        ("test_internal_call_audio_path", "passed"): 2,
        ("test_internal_call_audio_path", "skipped"): 2,
        ("test_fax_calling_tone_moves_the_call_to_fax_reception", "passed"): 4,
        ("test_key_tones_sent_on_each_line", "passed"): 2,
        ("test_echo_return_loss", "passed"): 2,
        ("test_call_centre_call", "skipped"): 2,
    }


def test_a_tone_from_one_phone_is_recorded_at_the_other_through_the_audio_switch(
    fixture: VirtualFixture,
) -> None:
    audio = open_audio_interface(f"unix:{fixture.audio_socket}")
    with open_rig(fixture.device, unit_socket=str(fixture.unit_socket), audio=audio) as rig:
        caller, called = rig.fxs
        try:
            caller.off_hook()
            caller.wait_tone("dial", timeout_s=3)
            caller.dial("102")  # the second extension: fxs1
            called.wait_ringing(timeout_s=5)
            called.off_hook()
            rig.idle(0.3)
            heard = called.record(1.0, source=caller, hz=1004, level_dbm0=-10)
            silence = called.record(0.5, source=caller)
        finally:
            caller.on_hook()
            called.on_hook()
            rig.idle(2)
        assert fixture.audio_routes == [None, None], "the switch opens after each recording"
    assert len(heard) == 8000
    assert abs(measure.component_dbm0(heard[1600:], 1004) - (-10)) < 1
    (frequency,) = measure.dominant_hz(heard[1600:])
    assert abs(frequency - 1004) < 2
    assert measure.level_dbm0(silence[1600:]) < -60


def test_a_serial_rig_without_an_audio_interface_says_how_to_name_one(
    fixture: VirtualFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SWITCHBOARD_RIG_AUDIO", raising=False)
    with open_rig(fixture.device, unit_socket=str(fixture.unit_socket)) as rig:
        with pytest.raises(RigError, match="set SWITCHBOARD_RIG_AUDIO"):
            rig.fxs[0].record(0.5, source=rig.fxs[1], hz=1004)
        with pytest.raises(RigError, match=r"record\(seconds, source=party"):
            rig.fxs[0].play(1004)
        rig.fxs[0].play(None)  # nothing to stop: not an error


def test_an_audio_interface_that_is_not_there_is_a_clear_error(tmp_path: Path) -> None:
    # Without PortAudio the error names the Debian package; with it, the missing device.
    with pytest.raises(RigError, match=r"libportaudio2|audio interface 'no-such-interface'"):
        open_audio_interface("no-such-interface")
    with pytest.raises(RigError, match="does not answer"):
        open_audio_interface(f"unix:{tmp_path / 'audio.sock'}")


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
        assert rig.audio_channels == 2, "HELLO names the audio switch's channels"
        with pytest.raises(RigError, match="audio channel must be 0 to 1, got 2"):
            rig.command("AUDIO 2 FXS 0")
        with pytest.raises(RigError, match="FXO port 5: this fixture has FXO 0 to 1"):
            rig.command("AUDIO 0 FXO 5")
        with pytest.raises(RigError, match="AUDIO <channel> FXS <n>, FXO <n> or OFF"):
            rig.command("AUDIO 0 SPEAKER")
        with pytest.raises(RigError, match="at most 240 characters"):
            rig.command("FXS 0 DIAL " + "1" * 300)
        assert rig.command("HELLO")[0] == "OK", "the fixture still answers after errors"
    finally:
        rig.close()


def test_a_device_that_is_not_there_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RigError, match="cannot open the fixture's serial port"):
        open_rig(str(tmp_path / "ttyACM9"))
