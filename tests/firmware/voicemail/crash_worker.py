"""An engine's messaging services in a process of their own, for the SIGKILL test.

Usage: python -m tests.firmware.voicemail.crash_worker DATA_DIR SMTP_PORT EPOCH MODE
MODE "idle": leaves two messages and a hang-up, lets the outbox fail for two virtual hours,
then says READY and waits to be killed. MODE "recording": leaves one message, waits an
hour, starts another and speaks 3.5 s into it, then says RECORDING and waits to be killed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import aio
from aio import host
from firmware.voicemail.index import CallInfo
from tests.firmware.voicemail.audio import speech_like
from tests.firmware.voicemail.rig import messaging, office_config, speak_into

HOUR_S = 3600.0


async def work(root: Path, port: int, mode: str) -> None:
    services = messaging(root, office_config(port))
    await services.start()
    voicemail = services.voicemail
    first = "84951000001" if mode == "idle" else "84951000003"
    numbers = [first, "84951000002"] if mode == "idle" else [first]
    for number in numbers:
        recording = await voicemail.record("sales", CallInfo(number, call_id=f"call-{number}"))
        assert recording is not None
        await speak_into(recording, speech_like(2.0))
        await voicemail.deposit(recording)
    if mode == "idle":
        await voicemail.no_message("101", CallInfo("84951000009", call_id="c9"), aio.wall_time())
        await aio.sleep(2 * HOUR_S)
        print("READY", flush=True)
    else:
        await aio.sleep(HOUR_S)
        recording = await voicemail.record("sales", CallInfo("84951000004", call_id="c4"))
        assert recording is not None
        await speak_into(recording, speech_like(3.5, seed=4))
        print("RECORDING", flush=True)
    sys.stdin.readline()  # blocks the whole process, the loop included, until killed


if __name__ == "__main__":
    data, smtp_port, epoch, chosen = sys.argv[1:5]
    host.run(work(Path(data), int(smtp_port), chosen), virtual=True, wall_epoch=float(epoch))
