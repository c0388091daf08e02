"""An auto-attendant on an exchange line whose hybrid echoes strongly (G.168 Annex D path
D.8 at 6 dB echo return loss): the caller's keys are heard while the menu prompt echoes
back, and the prompt's echo alone never sounds like a key."""

from __future__ import annotations

import argparse
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import signal

from drivers.sim.world.g168_paths import annex_d_path
from firmware.commands import engine_client
from firmware.simulator import SimulatedAppliance
from tests.firmware.engine.test_inbound import run_until
from tests.firmware.engine.test_routed_inbound import (
    WEDNESDAY_MORNING,
    appliance_at,
    routed_config,
)

ALL_KEYS = "123A456B789C*0D#"  # keypad order, # last: the only key the menu acts on
KEY_LEVEL_DBM0 = -25.0  # low-group tone; the high-group tone is 2 dB louder
ECHO_PATH, ECHO_RETURN_LOSS_DB = "d8", 6.0
PROMPTS = Path(__file__).resolve().parents[3] / "voice" / "prompts"


def menu_config(prompt: str) -> dict[str, Any]:
    """A menu that plays `prompt` and waits: only the last key of ALL_KEYS leads anywhere,
    so the prompt keeps playing (and echoing) while the others are keyed."""
    document = routed_config()
    greeting = document["routing"]["scenarios"][0]["operations"]["greeting"]
    greeting["prompt"] = prompt
    greeting["keys"] = {ALL_KEYS[-1]: "sales"}
    return document


def keys_heard_on_the_line(pbx: SimulatedAppliance, line: Any) -> list[str]:
    """Record every key the exchange line's DTMF receiver reports, in order (the menu
    still gets each one)."""
    (channel,) = [c for c in pbx.engine.channels if c.name == f"FXO/{line.port}"]
    heard: list[str] = []
    menu = channel.on_digit
    assert menu is not None, "the menu is not listening for keys"

    def key(digit: str) -> None:
        heard.append(digit)
        menu(digit)

    channel.on_digit = key
    return heard


def answered_call_with_echo(prompt: str) -> tuple[SimulatedAppliance, Any]:
    pbx = appliance_at(WEDNESDAY_MORNING, menu_config(prompt))
    pbx.start()
    line = pbx.line(0)
    line.virtual.echo_like(ECHO_PATH, ECHO_RETURN_LOSS_DB)
    line.ring("5550100", "SMITH")
    run_until(pbx, line.is_seized, 12)
    return pbx, line


def test_all_sixteen_keys_are_heard_in_order_while_the_menu_prompt_echoes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pbx, line = answered_call_with_echo("menu_sales_support")
    try:
        heard = keys_heard_on_the_line(pbx, line)
        pbx.run_for(1.0)  # the prompt plays; its echo comes back at 6 dB below it
        assert line.hears(0.5).level_dbm0 > -40
        line.press(ALL_KEYS, on_ms=50, off_ms=50, level_dbm0=KEY_LEVEL_DBM0)
        pbx.run_for(0.3)
        assert "".join(heard) == ALL_KEYS
        pbx.run_for(3.0)
        line.hang_up()
        pbx.run_for(2.0)
        (row,) = [port for port in pbx.status()["ports"] if port["index"] == line.port]
        print(f"\nline echo report: {row.get('echo')}")
        # The technician's figures: the line's echo return loss on this prompt (D.8 is
        # weak at low frequencies, where speech is loud, so speech loses more than the
        # 6 dB averaged over the band; the call measures the part that played), and the
        # canceller's enhancement on it.
        expected = speech_loss_db(PROMPTS / "en" / "menu_sales_support.wav")
        assert row["echo"]["erl_db"] == pytest.approx(expected, abs=2.5)
        assert row["echo"]["erle_db"] > 20.0
        # `switchboard status` prints them under the line.
        status = pbx.status()
        monkeypatch.setattr(engine_client, "_request", lambda args, op: status)
        assert engine_client.status_command(argparse.Namespace(json=False)) == 0
        echo = row["echo"]
        expected_line = (
            f"echo: ERL {echo['erl_db']:.1f} dB, canceller ERLE {echo['erle_db']:.1f} dB"
        )
        assert expected_line in capsys.readouterr().out
    finally:
        pbx.close()


def every_prompt_in_turn(document: dict[str, Any], prompts: list[str]) -> dict[str, Any]:
    """The greeting becomes announcements of `prompts`, one after another, then the menu."""
    scenario = document["routing"]["scenarios"][0]
    operations = scenario["operations"]
    names = [f"prompt_{index}" for index in range(len(prompts))]
    for index, (name, prompt) in enumerate(zip(names, prompts, strict=True)):
        following = names[index + 1] if index + 1 < len(names) else "greeting"
        operations[name] = {"type": "announcement", "prompt": prompt, "exits": {"next": following}}
    operations["hours"]["exits"]["open"] = names[0]
    return document


@pytest.mark.slow
def test_the_whole_prompt_corpus_echoing_back_is_never_heard_as_a_key() -> None:
    prompts = sorted(path.stem for path in (PROMPTS / "en").glob("*.wav"))
    assert len(prompts) > 40, "the prompts are missing: make prompts"
    document = every_prompt_in_turn(menu_config("menu_sales_support"), prompts)
    seconds = sum(wav_seconds(PROMPTS / "en" / f"{name}.wav") for name in prompts)
    pbx = appliance_at(WEDNESDAY_MORNING, document)
    pbx.start()
    try:
        line = pbx.line(0)
        line.virtual.echo_like(ECHO_PATH, ECHO_RETURN_LOSS_DB)
        line.ring("5550100", "SMITH")
        run_until(pbx, line.is_seized, 12)
        heard = keys_heard_on_the_line(pbx, line)
        pbx.run_for(seconds + 2.0)
        assert line.virtual.state.value == "connected", "the call ended before the corpus"
        assert heard == []
    finally:
        pbx.close()


def speech_loss_db(path: Path) -> float:
    """Echo return loss of the line's echo path for the speech in `path`."""
    with wave.open(str(path)) as recording:
        pcm = np.frombuffer(recording.readframes(recording.getnframes()), dtype="<i2")
    speech = pcm.astype(np.float64)
    echo = signal.lfilter(annex_d_path(ECHO_PATH, ECHO_RETURN_LOSS_DB), [1.0], speech)
    return float(10 * np.log10(np.sum(speech**2) / np.sum(echo**2)))


def wav_seconds(path: Path) -> float:
    with wave.open(str(path)) as recording:
        return recording.getnframes() / recording.getframerate()
