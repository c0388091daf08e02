"""The whole simulated appliance (engine, simulated hat, routing, voicemail) in a process of
its own, on virtual time, for the SIGKILL test. Callers on the exchange line leave messages
through the hat: they wait for the beep, speak, and end with `#` or by hanging up.

Usage: python -m tests.firmware.voicemail.appliance_crash_worker DATA_DIR SMTP_PORT EPOCH LIFE
LIFE "first": the office's configuration is saved; a caller leaves a message ended by `#`,
one hangs up in the greeting, one leaves a message and hangs up; the outbox keeps failing
for a few virtual minutes; then it says READY and waits to be killed.
LIFE "second": the appliance starts on the data the first life left; a caller leaves a
message, another starts speaking and is still speaking when it says
`RECORDING <seconds since the beep ended>` and waits to be killed.
Each line it prints is one step the test waits for; nothing else goes to stdout.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np

from firmware.simulator import Line, SimulatedAppliance
from tests.firmware.engine.test_inbound import run_until
from tests.firmware.engine.test_routed_inbound import routed_config
from tests.firmware.voicemail.audio import speech_like

BEEP_HZ = 1000.0
FAILING_S = 5.0  # the first life's outbox tries the dead server meanwhile
CUT_AFTER_S = 3.5  # how long the last caller speaks before the power goes
RATE_HZ = 8000


def office(smtp_port: int) -> dict[str, Any]:
    """After hours the default scenario takes a message for the office box."""
    document = routed_config()
    document["email"].update(
        host="127.0.0.1", port=smtp_port, security="none", from_address="pbx@office.example"
    )
    document["voicemail"] = {
        "boxes": [{"id": "office", "name": "Office", "recipients": ["desk@office.example"]}]
    }
    return document


def hear_the_beep(pbx: SimulatedAppliance, line: Line, number: str) -> float:
    """Ring in as `number` and wait for the end of the beep; returns that moment."""
    line.ring(number)
    run_until(pbx, line.is_seized, 12)
    run_until(pbx, lambda: line.hears(0.3).frequencies[:1] == (BEEP_HZ,), 20)
    return run_until(pbx, lambda: line.level_at(BEEP_HZ, 0.1) < -40, 5)


def speak(pbx: SimulatedAppliance, line: Line, audio: np.ndarray) -> None:
    line.say(audio)
    pbx.run_for(len(audio) / RATE_HZ)
    line.say(None)


def rest(pbx: SimulatedAppliance, line: Line) -> None:
    run_until(pbx, lambda: not line.is_seized(), 10)
    pbx.run_for(8)  # the line rests before the next call


def leave_message(
    pbx: SimulatedAppliance, line: Line, number: str, audio: np.ndarray, *, end_key: bool
) -> None:
    hear_the_beep(pbx, line, number)
    speak(pbx, line, audio)
    if end_key:
        line.press("#")  # the appliance ends the recording and hangs up
    else:
        line.hang_up()
    rest(pbx, line)


def hang_up_in_greeting(pbx: SimulatedAppliance, line: Line, number: str) -> None:
    line.ring(number)
    run_until(pbx, line.is_seized, 12)
    pbx.run_for(1.5)  # the closed greeting is playing
    line.hang_up()
    rest(pbx, line)


def say(text: str) -> None:
    print(text, flush=True)


def first_life(pbx: SimulatedAppliance) -> None:
    line = pbx.line(0)
    leave_message(pbx, line, "5550101", speech_like(2.0, seed=1), end_key=True)
    hang_up_in_greeting(pbx, line, "5550102")
    leave_message(pbx, line, "5550103", speech_like(2.5, seed=3), end_key=False)
    pbx.run_for(FAILING_S)
    say("READY")


def second_life(pbx: SimulatedAppliance) -> None:
    line = pbx.line(0)
    leave_message(pbx, line, "5550104", speech_like(2.0, seed=4), end_key=False)
    beep_over = hear_the_beep(pbx, line, "5550105")
    speak(pbx, line, speech_like(CUT_AFTER_S, seed=5))
    say(f"RECORDING {pbx.loop.time() - beep_over:.3f}")


def main(data: Path, smtp_port: int, epoch: float, life: str) -> None:
    document = office(smtp_port) if life == "first" else None
    pbx = SimulatedAppliance(document, data_dir=data, start_epoch=epoch)
    pbx.start()
    first_life(pbx) if life == "first" else second_life(pbx)
    sys.stdin.readline()  # blocks the whole process, the loop included, until killed


if __name__ == "__main__":
    data_dir, port, start, chosen = sys.argv[1:5]
    main(Path(data_dir), int(port), float(start), chosen)
