"""Mails are valid RFC 5322 and carry Cyrillic names, subjects and file names intact."""

from __future__ import annotations

from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from firmware.mail.message import Attachment, OutgoingMail, compose, with_sender

MOSCOW = ZoneInfo("Europe/Moscow")


def _parsed(raw: bytes) -> EmailMessage:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_cyrillic_subject_sender_and_file_name_survive_the_wire() -> None:
    mail = OutgoingMail(
        kind="voicemail",
        recipients=["sales@example.com"],
        subject="Голосовое сообщение от +7 495 123-45-67",
        body="Звонил Иван Петров, ящик «Продажи».",
        attachments=[Attachment("Сообщение 2026-12-03 10-15.wav", b"RIFF....WAVE")],
    )
    composed = compose(mail, date=datetime(2026, 12, 3, 10, 15, tzinfo=MOSCOW))
    raw = with_sender(composed.message, "pbx@example.com", "АТС офиса")

    assert raw.isascii(), "the wire form is 7-bit: every non-ASCII word is encoded"
    assert all(len(line) <= 78 for line in raw.split(b"\r\n")), "RFC 5322 line length"
    message = _parsed(raw)
    assert message["Subject"] == mail.subject
    assert message["From"].addresses[0].display_name == "АТС офиса"
    assert message["From"].addresses[0].addr_spec == "pbx@example.com"
    assert message["Date"].datetime == datetime(2026, 12, 3, 10, 15, tzinfo=MOSCOW)
    assert message["Message-ID"] == composed.message_id
    assert composed.message_id.startswith("<") and composed.message_id.endswith(">")
    body = message.get_body(("plain",))
    assert body is not None and "Иван Петров" in body.get_content()
    (attachment,) = message.iter_attachments()
    assert attachment.get_filename() == "Сообщение 2026-12-03 10-15.wav"
    assert attachment.get_content_type() == "audio/wav"
    assert attachment.get_content() == b"RIFF....WAVE"


def test_every_mail_gets_its_own_message_id_and_a_date_with_zone() -> None:
    mail = OutgoingMail(kind="test", recipients=["a@example.com"], subject="x", body="y")
    first = compose(mail, date=datetime(2026, 1, 1, tzinfo=MOSCOW), domain="example.com")
    second = compose(mail, date=datetime(2026, 1, 1, tzinfo=MOSCOW), domain="example.com")
    assert first.message_id != second.message_id
    assert first.message_id.endswith("@example.com>")
    assert b"Date: Thu, 01 Jan 2026 00:00:00 +0300" in first.message
