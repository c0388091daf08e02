"""One delivery attempt over SMTP: connect, secure, authenticate, send, and say how it went.

Blocking (smtplib), so the outbox runs it in a worker thread. STARTTLS or implicit TLS,
AUTH PLAIN or LOGIN, certificates checked unless the settings say otherwise, the office's
own CA trusted through `ca_file`. Failures carry the server's own words (code and text),
which the status shows as they are.
"""

from __future__ import annotations

import base64
import smtplib
import ssl
from dataclasses import dataclass, field

from firmware.config.mail import MailSettings
from firmware.mail.message import with_sender

SMTP_CONTINUE = 334
SMTP_AUTH_OK = 235


class DeliveryFailed(Exception):
    """No recipient got the mail; `str()` is what to show the user."""


@dataclass
class DeliveryReport:
    refused: dict[str, str] = field(default_factory=dict)  # recipient -> server's answer

    @property
    def complete(self) -> bool:
        return not self.refused


def tls_context(settings: MailSettings) -> ssl.SSLContext:
    if not settings.verify_certificate:
        return ssl._create_unverified_context()  # the user turned the check off explicitly
    try:
        return ssl.create_default_context(cafile=settings.ca_file or None)
    except (OSError, ssl.SSLError) as error:
        raise DeliveryFailed(f"cannot use CA file {settings.ca_file!r}: {error}") from None


def _server_text(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
    return f"{code} {' '.join(text.split())}"


def deliver(settings: MailSettings, recipients: list[str], message: bytes) -> DeliveryReport:
    """Send `message` (without From) to `recipients`; raises DeliveryFailed when nobody got
    it, returns the recipients the server refused when some did."""
    if not settings.configured:
        raise DeliveryFailed("mail is not configured: set email.host and email.from_address")
    where = f"{settings.host}:{settings.port}"
    try:
        with _connect(settings) as client:
            _secure_and_log_in(client, settings)
            refused = client.sendmail(
                settings.from_address,
                recipients,
                with_sender(message, settings.from_address, settings.from_name),
            )
            return DeliveryReport({rcpt: _server_text(*answer) for rcpt, answer in refused.items()})
    except smtplib.SMTPRecipientsRefused as error:
        answers = "; ".join(
            f"{rcpt}: {_server_text(*answer)}" for rcpt, answer in error.recipients.items()
        )
        raise DeliveryFailed(f"recipient refused: {answers}") from None
    except smtplib.SMTPAuthenticationError as error:
        reply = _server_text(error.smtp_code, error.smtp_error)
        raise DeliveryFailed(f"login refused: {reply}") from None
    except smtplib.SMTPSenderRefused as error:
        reply = _server_text(error.smtp_code, error.smtp_error)
        raise DeliveryFailed(f"sender {error.sender} refused: {reply}") from None
    except smtplib.SMTPResponseException as error:
        raise DeliveryFailed(_server_text(error.smtp_code, error.smtp_error)) from None
    except ssl.SSLCertVerificationError as error:
        raise DeliveryFailed(f"{where}: certificate rejected: {error.verify_message}") from None
    except (ssl.SSLError, smtplib.SMTPException) as error:
        raise DeliveryFailed(f"{where}: {error}") from None
    except OSError as error:  # refused, unreachable, timed out
        reason = error.strerror or str(error) or type(error).__name__
        raise DeliveryFailed(f"cannot reach {where}: {reason}") from None


def _connect(settings: MailSettings) -> smtplib.SMTP:
    if settings.security == "tls":
        return smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout_s, context=tls_context(settings)
        )
    return smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_s)


def _secure_and_log_in(client: smtplib.SMTP, settings: MailSettings) -> None:
    client.ehlo()
    if settings.security == "starttls":
        if not client.has_extn("starttls"):
            raise DeliveryFailed(
                f"{settings.host}:{settings.port} does not offer STARTTLS; "
                "choose security 'tls' or 'none'"
            )
        client.starttls(context=tls_context(settings))
        client.ehlo()
    if not settings.username:
        return
    offered = (client.esmtp_features.get("auth") or "").upper().split()
    mechanism = {"plain": "PLAIN", "login": "LOGIN"}.get(settings.auth)
    if mechanism is None:
        mechanism = next((m for m in ("PLAIN", "LOGIN") if m in offered), "")
    if not mechanism or mechanism not in offered:
        wanted = mechanism or "PLAIN or LOGIN"
        offers = " ".join(offered) or "none"
        raise DeliveryFailed(f"{settings.host} does not offer AUTH {wanted} (it offers: {offers})")
    _authenticate(client, mechanism, settings.username, settings.password)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _authenticate(client: smtplib.SMTP, mechanism: str, username: str, password: str) -> None:
    """AUTH PLAIN (RFC 4616) or LOGIN with UTF-8 credentials (smtplib's own takes ASCII only)."""
    if mechanism == "PLAIN":
        code, reply = client.docmd("AUTH", "PLAIN " + _b64(f"\0{username}\0{password}"))
    else:
        code, reply = client.docmd("AUTH", "LOGIN " + _b64(username))
        if code == SMTP_CONTINUE:
            code, reply = client.docmd(_b64(password))
    if code != SMTP_AUTH_OK:
        raise smtplib.SMTPAuthenticationError(code, reply)
