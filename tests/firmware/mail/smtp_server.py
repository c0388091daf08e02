"""A real SMTP server on localhost for the tests: aiosmtpd in its own thread.

It keeps every message it accepted, can ask for a login (AUTH PLAIN/LOGIN), speak STARTTLS
or implicit TLS with a self-signed certificate, and refuse chosen recipients with the words
a real server uses.
"""

from __future__ import annotations

import socket
import ssl
import subprocess
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

BAD_LOGIN = "535 5.7.8 Authentication credentials invalid"
NO_SUCH_USER = "550 5.1.1 <{}>: Recipient address rejected: User unknown"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for localhost / 127.0.0.1 signed by itself (openssl from Debian)."""
    cert, key = directory / "server.pem", directory / "server.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@dataclass
class Received:
    sender: str
    recipients: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.raw, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class _Handler:
    refuse: set[str] = field(default_factory=set)
    received: list[Received] = field(default_factory=list)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, _o: Any):
        if address in self.refuse:
            return NO_SUCH_USER.format(address)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
        )
        return "250 Message accepted for delivery"


class SmtpServer:
    """Start with `start()`, stop with `stop()`; `received` lists what it accepted."""

    def __init__(
        self,
        port: int | None = None,
        *,
        login: tuple[str, str] | None = None,
        security: str = "none",  # none / starttls / tls
        certificate: tuple[Path, Path] | None = None,
        refuse: set[str] | None = None,
    ) -> None:
        self.port = port or free_port()
        self.login = login
        self.security = security
        self.certificate = certificate
        self.handler = _Handler(refuse=set(refuse or ()))
        self._controller: Controller | None = None

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any):
        if (
            self.login is not None
            and isinstance(data, LoginPassword)
            and (data.login.decode(), data.password.decode()) == self.login
        ):
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False, message=BAD_LOGIN)

    def start(self) -> SmtpServer:
        options: dict[str, Any] = {}
        if self.security != "none":
            assert self.certificate is not None
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*map(str, self.certificate))
            options["ssl_context" if self.security == "tls" else "tls_context"] = context
        if self.login is not None:
            options["authenticator"] = self._authenticate
            options["auth_require_tls"] = self.security == "starttls"
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **options)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
