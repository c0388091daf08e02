"""The outbox against a real SMTP server on localhost, on virtual time.

Whatever goes wrong (a wrong password, a refused recipient, a certificate the appliance does
not trust, no server at all) the mail stays, the status shows the server's own words, and
the next good attempt delivers it with the same Message-ID.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aio
from aio import host
from firmware.config.mail import MailSettings
from firmware.mail.message import OutgoingMail
from firmware.mail.outbox import Outbox, retry_delay_s
from tests.firmware.mail.smtp_server import BAD_LOGIN, SmtpServer, free_port

EPOCH = 1_764_000_000.0  # 2025-11-24, a fixed wall clock for virtual time
HOUR_S = 3600.0


def settings(port: int, **changes: Any) -> MailSettings:
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "from_address": "pbx@office.example",
    }
    return MailSettings(**(values | changes))


def mail(subject: str = "Проверка", recipients: tuple[str, ...] = ("boss@office.example",)):
    return OutgoingMail(kind="test", recipients=recipients, subject=subject, body="тест")


def run(main: Callable[[], Awaitable[None]]) -> None:
    host.run(main(), virtual=True, wall_epoch=EPOCH)


async def until(condition: Callable[[], Any], *, within_s: float = 4 * HOUR_S) -> None:
    waited = 0.0
    while not await condition():
        assert waited < within_s, "the outbox did not get there in time"
        await aio.sleep(1)
        waited += 1


async def state_of(outbox: Outbox, mail_id: int) -> dict[str, Any]:
    status = await outbox.status()
    return next(row for row in status["mails"] if row["id"] == mail_id)


def test_mail_is_stored_before_the_first_attempt_and_sent_when_the_server_answers(
    tmp_path: Path,
) -> None:
    port = free_port()

    async def main() -> None:
        outbox = Outbox(tmp_path / "outbox.sqlite3", settings(port))
        await outbox.start()
        stored = await outbox.queue(mail())
        assert stored.state == "queued" and stored.attempts == 0
        await aio.sleep(1)
        row = await state_of(outbox, stored.id)
        assert row["state"] == "failed"
        assert row["last_error"].startswith(f"cannot reach 127.0.0.1:{port}: ")
        assert "refused" in row["last_error"].lower()
        with SmtpServer(port) as server:
            await until(lambda: _sent(outbox, stored.id))
            (received,) = server.received
        assert received.message["Message-ID"] == stored.message_id
        assert received.message["Subject"] == "Проверка"
        await outbox.stop()

    run(main)


async def _sent(outbox: Outbox, mail_id: int) -> bool:
    return (await state_of(outbox, mail_id))["state"] == "sent"


def test_wrong_password_shows_the_servers_answer_and_a_corrected_one_delivers(
    tmp_path: Path, certificate: tuple[Path, Path]
) -> None:
    server = SmtpServer(login=("pbx", "secret"), security="starttls", certificate=certificate)

    async def main() -> None:
        wrong = settings(
            server.port,
            security="starttls",
            username="pbx",
            password="guess",
            ca_file=str(certificate[0]),
        )
        outbox = Outbox(tmp_path / "outbox.sqlite3", wrong)
        await outbox.start()
        stored = await outbox.queue(mail())
        await aio.sleep(1)
        row = await state_of(outbox, stored.id)
        assert row["state"] == "failed"
        assert row["last_error"] == f"login refused: {BAD_LOGIN}"
        assert server.received == []
        outbox.apply(wrong.model_copy(update={"password": "secret"}), "UTC")
        await until(lambda: _sent(outbox, stored.id), within_s=5)
        assert [r.message["Message-ID"] for r in server.received] == [stored.message_id]
        await outbox.stop()

    with server:
        run(main)


def test_auth_login_over_implicit_tls(tmp_path: Path, certificate: tuple[Path, Path]) -> None:
    server = SmtpServer(login=("pbx", "пароль"), security="tls", certificate=certificate)

    async def main() -> None:
        chosen = settings(
            server.port,
            security="tls",
            username="pbx",
            password="пароль",
            auth="login",
            ca_file=str(certificate[0]),
        )
        outbox = Outbox(tmp_path / "outbox.sqlite3", chosen)
        await outbox.start()
        stored = await outbox.queue(mail())
        await until(lambda: _sent(outbox, stored.id), within_s=5)
        await outbox.stop()

    with server:
        run(main)
    assert len(server.received) == 1


def test_refused_recipient_keeps_the_mail_for_them_and_others_get_it_once(
    tmp_path: Path,
) -> None:
    server = SmtpServer(refuse={"gone@office.example"})

    async def main() -> None:
        outbox = Outbox(tmp_path / "outbox.sqlite3", settings(server.port))
        await outbox.start()
        stored = await outbox.queue(mail(recipients=("boss@office.example", "gone@office.example")))
        await aio.sleep(1)
        row = await state_of(outbox, stored.id)
        assert row["state"] == "failed"
        assert row["recipients"] == ["gone@office.example"]
        assert row["last_error"] == (
            "recipient refused: gone@office.example: 550 5.1.1 <gone@office.example>: "
            "Recipient address rejected: User unknown"
        )
        server.handler.refuse.clear()  # the mailbox is created on the server
        await until(lambda: _sent(outbox, stored.id))
        await outbox.stop()

    with server:
        run(main)
    assert [r.recipients for r in server.received] == [
        ["boss@office.example"],
        ["gone@office.example"],
    ]
    assert {r.message["Message-ID"] for r in server.received} == {
        server.received[0].message["Message-ID"]
    }


def test_untrusted_certificate_is_refused_until_its_ca_is_named(
    tmp_path: Path, certificate: tuple[Path, Path]
) -> None:
    server = SmtpServer(security="starttls", certificate=certificate)

    async def main() -> None:
        checked = settings(server.port, security="starttls")
        outbox = Outbox(tmp_path / "outbox.sqlite3", checked)
        await outbox.start()
        stored = await outbox.queue(mail())
        await aio.sleep(1)
        row = await state_of(outbox, stored.id)
        assert row["state"] == "failed"
        assert row["last_error"] == (
            f"127.0.0.1:{server.port}: certificate rejected: self-signed certificate"
        )
        assert server.received == []
        outbox.apply(checked.model_copy(update={"ca_file": str(certificate[0])}), "UTC")
        await until(lambda: _sent(outbox, stored.id), within_s=5)
        await outbox.stop()

    with server:
        run(main)
    assert len(server.received) == 1


def test_back_off_doubles_to_its_cap_and_carries_across_a_restart(tmp_path: Path) -> None:
    chosen = settings(free_port())
    delays = [retry_delay_s(n, chosen) for n in range(1, 9)]
    assert delays == [60, 120, 240, 480, 960, 1920, 3600, 3600]

    async def main() -> None:
        outbox = Outbox(tmp_path / "outbox.sqlite3", chosen)
        await outbox.start()
        stored = await outbox.queue(mail())
        await aio.sleep(60 + 120 + 240 + 30)  # attempts at 0, 60, 180, 420 s
        assert (await state_of(outbox, stored.id))["attempts"] == 4
        await outbox.stop()
        restarted = Outbox(tmp_path / "outbox.sqlite3", chosen)
        await restarted.start()
        row = await state_of(restarted, stored.id)
        assert row["attempts"] == 4 and row["next_attempt_at"] == EPOCH + 420 + 480
        await aio.sleep(480)
        assert (await state_of(restarted, stored.id))["attempts"] == 5
        await restarted.stop()

    run(main)
