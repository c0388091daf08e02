"""The whole simulated appliance loses no voicemail: the office's mail server is down for six
virtual hours, the appliance is killed with SIGKILL twice meanwhile (the second time while a
caller is speaking into voicemail), and when it comes back with the server up every mail
arrives, any duplicate under the same Message-ID, the cut message up to its last flushed
second. Callers reach voicemail through the simulated hat, as an outside caller does."""

from __future__ import annotations

import io
import re
import signal
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import soundfile

from drivers.sim.receive_filter import ReceiveHighPass
from firmware.mail.store import OutboxStore
from firmware.simulator import SimulatedAppliance
from tests.firmware.engine.test_routed_inbound import WEDNESDAY_EVENING
from tests.firmware.mail.smtp_server import SmtpServer, free_port
from tests.firmware.voicemail.appliance_crash_worker import CUT_AFTER_S, RATE_HZ, office
from tests.firmware.voicemail.audio import speech_like
from voice.level import level_dbm0

HOUR_S = 3600.0
# The office is closed all six hours: voicemail answers every call.
EVENING = WEDNESDAY_EVENING.replace(tzinfo=ZoneInfo(office(0)["system"]["timezone"])).timestamp()
REPO = Path(__file__).resolve().parents[3]
CALLERS = ["5550101", "5550102", "5550103", "5550104", "5550105"]
LEFT_NO_MESSAGE = "5550102"  # hung up in the greeting
CUT = "5550105"  # speaking when the power went


def _live_until_killed(data: Path, port: int, epoch: float, life: str, says: str) -> str:
    """Run one life of the appliance in its own process until it says `says`, then kill it
    with SIGKILL; returns the rest of what it said on that line."""
    log = data.parent / f"{life}.log"
    with open(log, "w") as errors:
        worker = subprocess.Popen(
            [sys.executable, "-m", "tests.firmware.voicemail.appliance_crash_worker",
             str(data), str(port), str(epoch), life],
            cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors, text=True,
        )  # fmt: skip
        try:
            assert worker.stdout is not None
            said = worker.stdout.readline().split()
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait()
    assert said[:1] == [says], f"the {life} life ended early:\n{log.read_text()[-3000:]}"
    assert worker.returncode == -signal.SIGKILL
    return " ".join(said[1:])


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def test_every_voicemail_mail_arrives_after_an_outage_and_two_kills(tmp_path: Path) -> None:
    data = tmp_path / "appliance"
    data.mkdir()
    port = free_port()  # nobody listens: the office's mail server is down
    _live_until_killed(data, port, EVENING, "first", "READY")
    cut_s = float(_live_until_killed(data, port, EVENING + 2 * HOUR_S, "second", "RECORDING"))

    stored = OutboxStore(data / "outbox.sqlite3")
    waiting = stored.newest(100)
    stored.close()
    assert len(waiting) == 4 and all(mail.state != "sent" for mail in waiting)
    assert all("cannot reach" in mail.last_error for mail in waiting)

    back = EVENING + 6 * HOUR_S
    with SmtpServer(port) as server, SimulatedAppliance(data_dir=data, start_epoch=back) as pbx:
        for _ in range(300):
            if len(server.received) >= len(CALLERS):
                break
            pbx.run_for(1)
        pbx.run_for(10)  # a duplicate, had there been one, would come now

    stored = OutboxStore(data / "outbox.sqlite3")
    mails = stored.newest(100)
    stored.close()
    assert len(mails) == len(CALLERS) and {mail.state for mail in mails} == {"sent"}
    ids_by_caller: dict[str, set[str]] = defaultdict(set)
    for received in server.received:
        caller = next(n for n in CALLERS if n in _digits(received.message["Subject"]))
        ids_by_caller[caller].add(received.message["Message-ID"])
    assert sorted(ids_by_caller) == CALLERS, "a mail for every caller, none lost"
    assert all(len(ids) == 1 for ids in ids_by_caller.values()), "a duplicate keeps its ID"
    assert {i for ids in ids_by_caller.values() for i in ids} == {m.message_id for m in mails}

    by_caller = {
        caller: next(r.message for r in server.received if caller in _digits(r.message["Subject"]))
        for caller in CALLERS
    }
    assert list(by_caller[LEFT_NO_MESSAGE].iter_attachments()) == []
    body = by_caller[CUT].get_body(("plain",))
    assert body is not None and "cut short by a power failure" in body.get_content()
    (attachment,) = by_caller[CUT].iter_attachments()
    audio, rate = soundfile.read(io.BytesIO(attachment.get_content()), dtype="int16")
    # The recording starts as the beep ends; the appliance flushed it every second, so the
    # message holds the whole seconds spoken before the kill and nothing after them.
    assert rate == RATE_HZ and cut_s == pytest.approx(CUT_AFTER_S, abs=0.05)
    assert len(audio) == int(cut_s) * RATE_HZ, f"{len(audio) / RATE_HZ} s of {cut_s} s"
    # What the caller said, as it comes off the line through the DAA's 200 Hz high-pass.
    spoken = ReceiveHighPass().apply(speech_like(CUT_AFTER_S, seed=5), 200.0)
    assert level_dbm0(audio[-RATE_HZ:]) == pytest.approx(level_dbm0(spoken), abs=1.0), (
        "the last flushed second is the caller's voice"
    )
    for caller in ("5550101", "5550103", "5550104"):
        (whole,) = by_caller[caller].iter_attachments()
        kept, _ = soundfile.read(io.BytesIO(whole.get_content()), dtype="int16")
        assert len(kept) / RATE_HZ >= 1.9, f"{caller}'s message is whole"
