"""`switchboard mail test` and `switchboard mail status` against a running engine and a real
SMTP server: a wrong password shows the server's words and loses nothing; once the password
is corrected the same mail goes out."""

from __future__ import annotations

import asyncio

import pytest

from firmware.cli import main
from firmware.control.client import ControlClient
from tests.firmware.mail.smtp_server import BAD_LOGIN, SmtpServer
from tests.firmware.processes.running import control_socket, start_engine


def request(data_dir, op, **arguments):  # type: ignore[no-untyped-def]
    async def send():  # type: ignore[no-untyped-def]
        async with ControlClient(control_socket(data_dir)) as client:
            return await client.request(op, **arguments)

    return asyncio.run(send())


def test_mail_test_and_status_show_the_servers_answer_and_deliver_after_a_fix(
    tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    with SmtpServer(login=("pbx", "secret")) as server:
        engine = start_engine(data)
        try:
            document = request(data, "get_config")
            document["email"].update(
                host="127.0.0.1", port=server.port, security="none", username="pbx",
                password="wrong", from_address="pbx@office.example",
            )  # fmt: skip
            request(data, "put_config", config=document)
            failed = main(["mail", "test", "boss@office.example", "--data", str(data)])
            failed_output = capsys.readouterr()
            main(["mail", "status", "--data", str(data)])
            status_output = capsys.readouterr().out
            document["email"]["password"] = "secret"
            request(data, "put_config", config=document)  # waiting mail is retried at once
            # The outbox sends in order of due time: the first mail goes before this one.
            sent = main(["mail", "test", "boss@office.example", "--data", str(data)])
            sent_output = capsys.readouterr().out
            final = request(data, "mail_status")
        finally:
            engine.stop()
    assert failed == 1
    assert failed_output.err == f"not sent: login refused: {BAD_LOGIN}\n"
    assert "1 failed (to retry)" in status_output
    assert f"last error: login refused: {BAD_LOGIN}" in status_output
    assert sent == 0 and sent_output.startswith("sent to boss@office.example (<")
    assert final["counts"] == {"queued": 0, "sending": 0, "sent": 2, "failed": 0}
    assert len(server.received) == 2
    assert {r.message["Subject"] for r in server.received} == {"Switchboard: test mail"}
