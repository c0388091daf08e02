"""Call recording as routing starts it: a rule per employee, call centre or inbound route,
the call recorded from its answer to its end with both parties in one WAV, found by the
call's id (its history row's link)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

from firmware.config.schema import Config
from firmware.routing.prompts import PromptLibrary
from firmware.routing.runner import RoutingRunner
from firmware.voicemail.desk import RecordingDesk
from firmware.voicemail.messaging import Messaging
from tests.firmware.routing.conftest import (  # noqa: F401  (spoken_prompts generates prompts)
    config_with,
    people,
    run,
    scenario,
    spoken_prompts,
)
from tests.firmware.routing.fake_control import FakeCall, FakeCallControl, Person
from tests.firmware.voicemail.audio import RATE_HZ

CALLER_HZ, ANSWERER_HZ = 440.0, 1000.0
CALLER_RMS, ANSWERER_RMS = 2000.0, 1000.0
ANSWERS_AFTER_S, TALKS_S = 3.0, 6.0
DISK_BYTES = 10_000_000_000

EXTENSION = {"first": {"type": "extension", "extension": "101"}}
CALL_CENTRE = {"first": {"type": "call_centre", "call_centre": "sales"}}
SALES = {"id": "sales", "members": [{"extension": "101"}]}
NUMBER = "+7 495 777-00-00"  # the number the caller dialled, spelt as a user types it


def _tone(hz: float, rms: float):  # type: ignore[no-untyped-def]
    """A speaker that says a steady tone, a frame at a time, phase-continuous."""
    position = 0

    def speak(*_heard: Any) -> np.ndarray:
        nonlocal position
        t = (position + np.arange(160)) / RATE_HZ
        position += 160
        return (rms * np.sqrt(2) * np.sin(2 * np.pi * hz * t)).astype(np.int16)

    return speak


def _level_at(audio: np.ndarray, hz: float) -> float:
    """RMS of the component at `hz` (a Hann-windowed spectrum, corrected for the window)."""
    window = np.hanning(len(audio))
    spectrum = np.abs(np.fft.rfft(audio * window)) / (np.sum(window) / 2)
    freqs = np.fft.rfftfreq(len(audio), 1 / RATE_HZ)
    band = np.abs(freqs - hz) <= 8
    return float(np.sqrt(np.sum(spectrum[band] ** 2) / 1.5) / np.sqrt(2))


def _office(rules: list[dict[str, str]], operations: dict[str, Any], **extra: Any) -> Config:
    document = config_with(scenario(operations, **extra)).model_dump(mode="json")
    document["recording"]["rules"] = rules
    return Config.model_validate(document)


async def _call_through(root: Path, config: Config) -> tuple[FakeCall, list[Any]]:
    services = Messaging(root, config, disk_bytes=lambda: DISK_BYTES)
    await services.start()
    prompts = PromptLibrary()
    control = FakeCallControl(
        prompts, people(e101=Person(answers_after_s=ANSWERS_AFTER_S, talks_s=TALKS_S))
    )
    runner = RoutingRunner(
        control, config, prompts=prompts, recordings=RecordingDesk(services.recordings)
    )
    call = control.call(
        line="FXO/4",
        dialled="4957770000",
        line_audio=_tone(CALLER_HZ, CALLER_RMS),
        answerer_audio=_tone(ANSWERER_HZ, ANSWERER_RMS),
    )
    await runner.handle_inbound(call)
    found = await services.recordings.for_call(call.id)
    await services.stop()
    return call, found


@pytest.mark.parametrize(
    ("rules", "operations", "extra", "owner"),
    [
        ([{"scope": "employee", "target": "101"}], EXTENSION, {}, "101"),
        ([{"scope": "call_centre", "target": "sales"}], CALL_CENTRE, {"call_centres": [SALES]},
         "sales"),
        ([{"scope": "inbound_route", "target": "4"}], EXTENSION, {}, "4"),
        ([{"scope": "inbound_route", "target": NUMBER}], EXTENSION, {}, NUMBER),
    ],
    ids=["employee", "call_centre", "inbound_line", "inbound_number"],
)  # fmt: skip
def test_an_answered_call_a_rule_covers_is_recorded_with_both_parties(
    tmp_path: Path, rules: list[dict[str, str]], operations: dict[str, Any], extra: Any, owner: str
) -> None:
    config = _office(rules, operations, **extra)
    call, found = run(_call_through(tmp_path, config))
    assert call.answered_by == "101"
    (recording,) = found
    assert recording.box == owner
    audio, rate = soundfile.read(tmp_path / recording.file, dtype="int16")
    assert rate == 8000
    # From the answer to the end of the conversation.
    assert abs(len(audio) / rate - TALKS_S) <= 0.1
    # Both parties, each at the level they spoke.
    for hz, spoken in ((CALLER_HZ, CALLER_RMS), (ANSWERER_HZ, ANSWERER_RMS)):
        level = _level_at(audio.astype(np.float64), hz)
        assert abs(20 * np.log10(level / spoken)) < 1.0, (hz, level)


@pytest.mark.parametrize(
    "rules",
    [
        [],
        [{"scope": "employee", "target": "102"}],
        [{"scope": "call_centre", "target": "sales"}],  # 101 answered, not in a call centre
        [{"scope": "inbound_route", "target": "5"}],
    ],
    ids=["no_rule", "other_employee", "other_way_in", "other_line"],
)
def test_a_call_no_rule_covers_is_not_recorded(tmp_path: Path, rules: list[dict[str, str]]) -> None:
    call, found = run(_call_through(tmp_path, _office(rules, EXTENSION)))
    assert call.answered_by == "101"
    assert found == []
