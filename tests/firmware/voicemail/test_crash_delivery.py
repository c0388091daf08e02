"""Nothing a caller left is lost: SMTP down for six virtual hours, the process killed with
SIGKILL twice (once in the middle of a recording), and when the server is back every mail
arrives, duplicates (if any) under the same Message-ID, the cut recording up to its last
flushed second."""

from __future__ import annotations

import io
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import soundfile

import aio
from aio import host
from firmware.mail.store import OutboxStore
from tests.firmware.mail.smtp_server import SmtpServer, free_port
from tests.firmware.voicemail.rig import EPOCH, messaging, office_config

HOUR_S = 3600.0
REPO = Path(__file__).resolve().parents[3]


def _run_until_killed(data: Path, port: int, epoch: float, mode: str, says: str) -> None:
    worker = subprocess.Popen(
        [sys.executable, "-m", "tests.firmware.voicemail.crash_worker",
         str(data), str(port), str(epoch), mode],
        cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert worker.stdout is not None
        assert worker.stdout.readline().strip() == says
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    assert worker.returncode == -signal.SIGKILL


def test_every_mail_arrives_after_an_outage_and_two_kills(tmp_path: Path) -> None:
    port = free_port()  # nobody listens: the office's mail server is down
    _run_until_killed(tmp_path, port, EPOCH, "idle", "READY")
    _run_until_killed(tmp_path, port, EPOCH + 2 * HOUR_S, "recording", "RECORDING")

    stored = OutboxStore(tmp_path / "outbox.sqlite3")
    waiting = stored.newest(100)
    stored.close()
    assert len(waiting) == 4 and all(mail.state != "sent" for mail in waiting)
    assert all("cannot reach" in mail.last_error for mail in waiting)

    with SmtpServer(port) as server:

        async def back_up() -> None:
            services = messaging(tmp_path, office_config(port))
            await services.start()
            for _ in range(600):
                if (await services.outbox.status())["counts"]["sent"] == 5:
                    break
                await aio.sleep(10)
            await services.stop()

        host.run(back_up(), virtual=True, wall_epoch=EPOCH + 6 * HOUR_S)

    stored = OutboxStore(tmp_path / "outbox.sqlite3")
    mails = stored.newest(100)
    stored.close()
    assert len(mails) == 5 and {mail.state for mail in mails} == {"sent"}
    ids = Counter(received.message["Message-ID"] for received in server.received)
    assert set(ids) == {mail.message_id for mail in mails}, "every mail, and only those"
    subjects = sorted(received.message["Subject"] for received in server.received)
    assert subjects == sorted(
        [f"Голосовое сообщение от 8 (495) 100-00-0{n}, 03.12.2025 {hour}" for n, hour in
         [(1, "13:00"), (2, "13:00"), (3, "15:00"), (4, "16:00")]]
        + ["Пропущенный звонок от 8 (495) 100-00-09, 03.12.2025 13:00: без сообщения"]
    )  # fmt: skip
    cut = next(r.message for r in server.received if "100-00-04" in r.message["Subject"])
    body = cut.get_body(("plain",))
    assert body is not None and "прервана сбоем питания" in body.get_content()
    (attachment,) = cut.iter_attachments()
    audio, rate = soundfile.read(io.BytesIO(attachment.get_content()), dtype="int16")
    assert rate == 8000 and len(audio) == 3 * 8000, "up to the last flushed second"
