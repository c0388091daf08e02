"""Faults injected through the simulated rig fail exactly the acceptance cases that should
catch them, each with a message naming the port (and the measured value against its limit
where the case measures one), while the other cases still pass."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

from drivers.sim.hat import SIM_SERIAL

ROOT = Path(__file__).resolve().parents[2]
CASES_TIMEOUT_S = 600  # real seconds: the cases' own waits are on the unit's virtual clock


@dataclass(frozen=True)
class Fault:
    injected: str  # as given to --fault
    port: str  # the faulty port, as the cases name it
    selection: str  # -k expression: the case families that use the port
    expected_failures: frozenset[str]
    measured: frozenset[str]  # failures that must show a measured value against a limit
    workers: int = 0  # xdist workers: the report must gather records across processes


FAULTS = [
    Fault(
        "dead_slic:fxs1",
        "fxs1",
        "hook_detection or dial_tone or ring_cadence or audio_path or call_centre or dialling_out"
        " or key_tones",
        frozenset(
            {
                "test_hook_detection[fxs1]",
                "test_dial_tone[fxs1]",
                "test_ring_cadence[fxs1]",
                "test_ring_cadence[fxs0]",  # fxs1 is the port that calls fxs0
                "test_internal_call_audio_path[fxs1]",
                "test_internal_call_audio_path[fxs0]",  # the same
                "test_call_centre_call[fxo0]",  # fxs1 is a member of the call centre
                "test_call_centre_call[fxo1]",
                "test_dialling_out_through_each_line[fxo1]",  # fxs1 holds the first line
                "test_key_tones_sent_on_each_line[fxo1]",  # the same
            }
        ),
        frozenset({"test_dial_tone[fxs1]"}),
    ),
    Fault(
        "no_line:fxo1",
        "fxo1",
        "incoming_call or echo_return_loss or caller_id or far_end_disconnect or fax"
        " or call_centre or dialling_out or key_tones",
        frozenset(
            {
                "test_caller_id_captured_by_the_unit[fxo1-bell202]",
                "test_caller_id_captured_by_the_unit[fxo1-etsi_fsk]",
                "test_caller_id_captured_by_the_unit[fxo1-dtmf]",
                "test_fax_calling_tone_moves_the_call_to_fax_reception[fxo1-at_answer]",
                "test_fax_calling_tone_moves_the_call_to_fax_reception[fxo1-after_greeting]",
                "test_call_centre_call[fxo1]",
                "test_dialling_out_through_each_line[fxo1]",
                "test_key_tones_sent_on_each_line[fxo1]",
                "test_incoming_call_seizes_the_line[fxo1]",
                "test_echo_return_loss[fxo1]",
                "test_caller_id_reaches_the_phone[fxo1-bell202]",
                "test_caller_id_reaches_the_phone[fxo1-etsi_fsk]",
                "test_caller_id_reaches_the_phone[fxo1-dtmf]",
                "test_far_end_disconnect_releases_the_line[fxo1-loop]",
                "test_far_end_disconnect_releases_the_line[fxo1-polarity]",
                "test_far_end_disconnect_releases_the_line[fxo1-busy]",
            }
        ),
        frozenset({"test_incoming_call_seizes_the_line[fxo1]"}),
    ),
    Fault(
        "gain:fxs2",
        "fxs2",
        "dial_tone or audio_path",
        frozenset({"test_dial_tone[fxs2]", "test_internal_call_audio_path[fxs2]"}),
        frozenset({"test_dial_tone[fxs2]", "test_internal_call_audio_path[fxs2]"}),
        workers=2,
    ),
    Fault(
        "echo:fxo1",
        "fxo1",
        "echo_return_loss or incoming_call",
        frozenset({"test_echo_return_loss[fxo1]"}),
        frozenset({"test_echo_return_loss[fxo1]"}),
    ),
]


def run_cases(fault: Fault, junit: Path, report: Path) -> dict[str, str | None]:
    """Each selected case's name and its failure message (None when it passed)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        *(["-n", str(fault.workers)] if fault.workers else ["-p", "no:xdist"]),
        str(ROOT / "hil_tests" / "cases"),
        "--rig",
        "sim",
        "--fault",
        fault.injected,
        "-k",
        fault.selection,
        f"--junitxml={junit}",
        f"--hil-report={report}",
    ]
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=CASES_TIMEOUT_S
    )
    assert junit.exists(), f"the cases did not run:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    outcomes: dict[str, str | None] = {}
    for case in ET.parse(junit).iter("testcase"):
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        skipped = case.find("skipped")
        assert skipped is None, f"{case.get('name')} was skipped: {skipped.get('message')}"
        outcomes[str(case.get("name"))] = None if problem is None else problem.get("message", "")
    return outcomes


@pytest.mark.parametrize("fault", FAULTS, ids=[fault.injected for fault in FAULTS])
def test_injected_fault_fails_exactly_the_cases_that_catch_it(fault: Fault, tmp_path: Path) -> None:
    outcomes = run_cases(fault, tmp_path / "junit.xml", tmp_path / "report")
    failed = {name for name, message in outcomes.items() if message is not None}
    passed = set(outcomes) - failed
    assert failed == fault.expected_failures, (
        f"{fault.injected}: failed {sorted(failed)}, expected {sorted(fault.expected_failures)}"
    )
    assert passed, f"{fault.injected}: no healthy case ran beside the faulty ones"
    for name in failed:
        message = str(outcomes[name])
        assert fault.port in message, f"{name}: the message does not name {fault.port}: {message}"
        if name in fault.measured:
            assert "limit" in message, f"{name}: no measured value against a limit: {message}"
    page = (tmp_path / "report" / "report.html").read_text()
    assert "Verdict: FAIL" in page, f"{fault.injected}: the report does not show the failure"
    assert f"<dd>{SIM_SERIAL}</dd>" in page, "the report's header lacks the hat's serial"
    for name in outcomes:
        assert f"<td>{name}</td>" in page, f"{fault.injected}: the report omits {name}"
