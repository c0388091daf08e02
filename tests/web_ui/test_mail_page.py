"""The e-mail page: a test mail sent from the browser reaches the office's server, and the
outbox shows what went out and what waits for a server that is down."""

from __future__ import annotations

import re

from tests.firmware.mail.smtp_server import SmtpServer, free_port
from tests.web_ui.pbx import control
from tests.web_ui.site import log_in, web_site


def point_mail_at(data, port: int) -> None:
    document = control(data, "get_config")
    document["email"].update(
        host="127.0.0.1", port=port, security="none", from_address="pbx@office.example"
    )
    control(data, "put_config", config=document)


def outbox_rows(html: str) -> list[str]:
    section = html.split('id="outbox"', 1)[1]
    return re.findall(r"<tr><td>.*?</tr>", section, flags=re.S)


def test_a_test_mail_arrives_and_the_outbox_lists_it_as_sent(tmp_path):
    with SmtpServer() as server, web_site(tmp_path) as (client, data):
        point_mail_at(data, server.port)
        token = log_in(client)
        page = client.post(
            "/email/test", data={"address": "boss@office.example", "csrf_token": token}
        )
        assert page.status_code == 200
        assert "accepted by the server" in page.text
        (mail,) = server.received
        assert mail.recipients == ["boss@office.example"]
        assert "test mail" in mail.message["Subject"]
        (row,) = outbox_rows(client.get("/email").text)
        assert "test mail" in row and ">sent<" in row


def test_with_the_server_down_the_test_mail_waits_in_the_outbox_with_the_reason(tmp_path):
    with web_site(tmp_path) as (client, data):
        point_mail_at(data, free_port())  # nothing listens there
        token = log_in(client)
        page = client.post(
            "/email/test", data={"address": "boss@office.example", "csrf_token": token}
        )
        assert "stays in the outbox" in page.text
        (row,) = outbox_rows(client.get("/email").text)
        assert ">failed<" in row and "boss@office.example" in row
        assert "refused" in row.lower() or "connect" in row.lower()
        status = control(data, "mail_status")
        assert status["counts"]["failed"] == 1  # kept, to be tried again


def test_a_bad_address_is_refused_with_a_message(tmp_path):
    with web_site(tmp_path) as (client, _data):
        token = log_in(client)
        page = client.post("/email/test", data={"address": "not-an-address", "csrf_token": token})
        assert page.status_code == 422
        assert "is not an e-mail address" in page.text
