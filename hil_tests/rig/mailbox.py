"""The rig's mailbox: an SMTP server on the rig's host that the unit under test mails to, so
cases can check what the office would receive (a voicemail, a missed-call notice)."""

from __future__ import annotations

import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

HOST = "127.0.0.1"
ADDRESS = "technician@rig.example"  # the recipient the unit is configured to mail


class _Handler:
    def __init__(self) -> None:
        self.received: list[EmailMessage] = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.arrived:
            self.received.append(parsed)
            self.arrived.notify_all()
        return "250 OK"


class RigMailbox:
    """Accepts every message (no TLS, no login) on `HOST`:`port` until closed."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind((HOST, 0))
            self.port = int(probe.getsockname()[1])
        self._handler = _Handler()
        self._controller = Controller(self._handler, hostname=HOST, port=self.port)
        self._controller.start()

    def received(self) -> list[EmailMessage]:
        with self._handler.arrived:
            return list(self._handler.received)

    def wait_for(self, count: int, timeout_s: float) -> bool:
        """Until `count` messages have arrived in all; False after `timeout_s` real seconds
        (mail crosses a real socket, whatever clock the unit runs on)."""
        with self._handler.arrived:
            return self._handler.arrived.wait_for(
                lambda: len(self._handler.received) >= count, timeout_s
            )

    def close(self) -> None:
        self._controller.stop()
