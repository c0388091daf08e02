"""The control API's mail commands: `mail_status` and `mail_test`."""

from __future__ import annotations

from typing import Any

import aio
from firmware.config.mail import EMAIL_PATTERN
from firmware.control.server import ControlServer, RequestError
from firmware.mail.message import OutgoingMail
from firmware.mail.outbox import Outbox
from firmware.mail.store import MailState

STATUS_LIMIT_MAX = 500
TEST_WAIT_MAX_S = 120.0
POLL_S = 0.25


def test_mail(address: str, system_name: str) -> OutgoingMail:
    return OutgoingMail(
        kind="test",
        recipients=(address,),
        subject=f"{system_name}: test mail",
        body=f"This test mail from {system_name} shows that its mail settings work.\n",
    )


async def send_test(
    outbox: Outbox, address: str, system_name: str, wait_s: float
) -> dict[str, Any]:
    """Queue a test mail and wait up to `wait_s` for its first attempt to end."""
    stored = await outbox.queue(test_mail(address, system_name))
    waited = 0.0
    summary = stored.summary()
    while waited <= wait_s:
        current = await outbox.status(limit=STATUS_LIMIT_MAX)
        summary = next((m for m in current["mails"] if m["id"] == stored.id), summary)
        if summary["state"] in (MailState.SENT, MailState.FAILED):
            break
        await aio.sleep(POLL_S)
        waited += POLL_S
    return summary


def register(server: ControlServer, outbox: Outbox, system_name: Any) -> None:
    """`system_name` is a callable returning the appliance's name (it follows the config)."""

    async def mail_status(request: dict[str, Any]) -> Any:
        limit = request.get("limit", 20)
        if not isinstance(limit, int) or not 1 <= limit <= STATUS_LIMIT_MAX:
            raise RequestError("bad_request", f"limit must be 1 to {STATUS_LIMIT_MAX}")
        return await outbox.status(limit)

    async def mail_test(request: dict[str, Any]) -> Any:
        address = request.get("address")
        if not isinstance(address, str) or not EMAIL_PATTERN.match(address):
            raise RequestError("bad_request", f"{address!r} is not an e-mail address")
        wait_s = request.get("wait_s", 30.0)
        if not isinstance(wait_s, int | float) or not 0 <= wait_s <= TEST_WAIT_MAX_S:
            raise RequestError("bad_request", f"wait_s must be 0 to {TEST_WAIT_MAX_S:g}")
        return await send_test(outbox, address, system_name(), float(wait_s))

    server.handle("mail_status", mail_status)
    server.handle("mail_test", mail_test)
