"""Mails built with the standard library's `email` package: valid RFC 5322 in every case.

A mail is composed once, when it is queued: its Date and Message-ID are fixed then, so every
retry sends the very same message. Non-ASCII names, subjects and attachment file names
(Cyrillic, say) are encoded by the `email` policy (RFC 2047 words, RFC 2231 file names).
The From header is added at sending time, so a changed sender address applies to mail
already waiting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

WIRE_POLICY = policy.SMTP  # CRLF line ends, lines folded at 78 characters
HEADER_END = b"\r\n\r\n"
DEFAULT_DOMAIN = "switchboard.local"


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes
    maintype: str = "audio"
    subtype: str = "wav"


@dataclass(frozen=True)
class OutgoingMail:
    """A mail to queue: who, about what, and what it says."""

    kind: str  # voicemail / missed_call / digest / test
    recipients: Sequence[str]
    subject: str
    body: str
    attachments: Sequence[Attachment] = field(default_factory=tuple)


@dataclass(frozen=True)
class ComposedMail:
    message_id: str
    message: bytes  # RFC 5322, everything but From


def compose(mail: OutgoingMail, *, date: datetime, domain: str = DEFAULT_DOMAIN) -> ComposedMail:
    """The message as sent, without From; `date` must carry its time zone."""
    if date.tzinfo is None:
        raise ValueError("a mail's Date needs a time zone")
    if not mail.recipients:
        raise ValueError("a mail needs at least one recipient")
    message = EmailMessage(policy=WIRE_POLICY)
    message["To"] = ", ".join(mail.recipients)
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(date)
    message_id = make_msgid(domain=domain or DEFAULT_DOMAIN)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to the PBX
    message.set_content(mail.body, cte="quoted-printable")  # 7-bit: any server relays it
    for attachment in mail.attachments:
        message.add_attachment(
            attachment.data,
            maintype=attachment.maintype,
            subtype=attachment.subtype,
            filename=attachment.filename,
        )
    return ComposedMail(message_id, message.as_bytes(policy=WIRE_POLICY))


def from_header(address: str, display_name: str) -> bytes:
    """The From line for `address`, its display name encoded if it is not ASCII."""
    holder = EmailMessage(policy=WIRE_POLICY)
    holder["From"] = Address(display_name=display_name, addr_spec=address)
    headers = holder.as_bytes(policy=WIRE_POLICY)
    return headers.split(HEADER_END, 1)[0] + b"\r\n"


def with_sender(message: bytes, address: str, display_name: str) -> bytes:
    return from_header(address, display_name) + message


def domain_of(address: str) -> str:
    return address.rpartition("@")[2] or DEFAULT_DOMAIN
