"""The durable outbox: mail is stored first, then sent, retried until the server takes it.

`queue()` writes the finished message to SQLite and returns; a task sends what is due, one
attempt at a time in a worker thread, so the engine's loop never waits on SMTP or the disk.
A failed attempt is retried after a delay that doubles from `retry_first_s` up to
`retry_max_s`; the attempt count and the next attempt's time are stored, so the back-off
carries across restarts. Nothing is ever dropped: a mail stays until every recipient has
it, and its state and the server's last answer are what `status()` reports.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aio
from aio import host
from firmware.config.mail import MailSettings
from firmware.mail.message import ComposedMail, OutgoingMail, compose, domain_of
from firmware.mail.smtp import DeliveryFailed, DeliveryReport, deliver
from firmware.mail.store import OutboxStore, StoredMail

log = logging.getLogger(__name__)

STATUS_ROWS = 20
IDLE_CHECK_S = 3600.0  # look again even when nothing is due (sent mails to forget)
DAY_S = 86400.0


def retry_delay_s(attempts: int, settings: MailSettings) -> float:
    """Seconds to wait after the `attempts`-th failed attempt: doubling, capped."""
    first, cap = settings.outbox.retry_first_s, settings.outbox.retry_max_s
    return min(cap, first * 2 ** min(max(attempts - 1, 0), 32))


class Outbox:
    def __init__(
        self,
        path: Path,
        settings: MailSettings,
        *,
        timezone: str = "UTC",
        send: Any = deliver,
    ) -> None:
        self.path = path
        self.settings = settings
        self.timezone = ZoneInfo(timezone)
        self._send = send  # (settings, recipients, message) -> DeliveryReport
        self._store: OutboxStore | None = None
        self._wake = aio.Event()
        self._task: aio.Task[None] | None = None

    @property
    def store(self) -> OutboxStore:
        if self._store is None:
            raise RuntimeError("the outbox is not started")
        return self._store

    async def start(self) -> None:
        self._store = await host.to_thread(OutboxStore, self.path)
        interrupted = await host.to_thread(self.store.interrupted_to_failed, aio.wall_time())
        if interrupted:
            log.warning(
                "mail: %d delivery(ies) cut off by the last stop will be retried", interrupted
            )
        self._task = aio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await aio.gather(self._task, return_exceptions=True)
            self._task = None
        if self._store is not None:
            await host.to_thread(self._store.close)
            self._store = None

    def apply(self, settings: MailSettings, timezone: str) -> None:
        """New settings: waiting mail is tried again at once when the server settings changed
        (a corrected password should not wait out the back-off)."""
        changed = settings.model_dump(
            exclude={"outbox", "missed_calls"}
        ) != self.settings.model_dump(exclude={"outbox", "missed_calls"})
        self.settings = settings
        self.timezone = ZoneInfo(timezone)
        if changed and self._store is not None:
            aio.create_task(self.retry_now())

    async def queue(self, mail: OutgoingMail, *, key: str | None = None) -> StoredMail:
        """Store `mail` (once per `key`) and wake the sender; returns the stored row."""
        now = aio.wall_time()
        composed: ComposedMail = await host.to_thread(  # base64 of a WAV: not in the loop
            compose,
            mail,
            date=datetime.fromtimestamp(now, self.timezone),
            domain=domain_of(self.settings.from_address),
        )
        stored = await host.to_thread(
            self.store.add,
            key=key,
            message_id=composed.message_id,
            kind=mail.kind,
            subject=mail.subject,
            recipients=list(mail.recipients),
            message=composed.message,
            now=now,
        )
        log.info("mail %d: queued %s for %s", stored.id, stored.kind, ", ".join(stored.recipients))
        self._wake.set()
        return stored

    async def has(self, key: str) -> bool:
        return await host.to_thread(self.store.has_key, key)

    async def retry_now(self) -> int:
        count = await host.to_thread(self.store.retry_all_now, aio.wall_time())
        self._wake.set()
        return count

    async def status(self, limit: int = STATUS_ROWS) -> dict[str, Any]:
        counts = await host.to_thread(self.store.counts)
        newest = await host.to_thread(self.store.newest, limit)
        return {
            "configured": self.settings.configured,
            "server": f"{self.settings.host}:{self.settings.port}" if self.settings.host else "",
            "counts": counts,
            "mails": [mail.summary() for mail in newest],
        }

    async def _run(self) -> None:
        while True:
            try:
                await self._send_due()
                await self._wait_for_work()
            except aio.CancelledError:
                raise
            except Exception:
                log.exception("mail: the outbox failed; trying again in a minute")
                await aio.sleep(60)

    async def _wait_for_work(self) -> None:
        due = await host.to_thread(self.store.next_due_at)
        wait_s = IDLE_CHECK_S if due is None else min(IDLE_CHECK_S, due - aio.wall_time())
        if wait_s <= 0:
            return
        self._wake.clear()
        with contextlib.suppress(aio.TimeoutError):
            await aio.wait_for_ms(self._wake.wait(), wait_s * 1000)

    async def _send_due(self) -> None:
        while True:
            due = await host.to_thread(self.store.due, aio.wall_time())
            if not due:
                break
            for mail in due:
                await self._attempt(mail)
        cutoff = aio.wall_time() - self.settings.outbox.keep_sent_days * DAY_S
        await host.to_thread(self.store.forget_sent_before, cutoff)

    async def _attempt(self, mail: StoredMail) -> None:
        await host.to_thread(self.store.mark_sending, mail.id)
        attempts = mail.attempts + 1
        settings = self.settings
        try:
            report: DeliveryReport = await host.to_thread(
                self._send, settings, mail.recipients, mail.message
            )
        except DeliveryFailed as error:
            await self._failed(mail, attempts, str(error), mail.recipients)
            return
        except Exception as error:  # a bug must not lose the mail either
            log.exception("mail %d: unexpected error while sending", mail.id)
            await self._failed(mail, attempts, f"internal error: {error}", mail.recipients)
            return
        if report.complete:
            await host.to_thread(self.store.mark_sent, mail.id, aio.wall_time())
            log.info("mail %d: sent (%s), attempt %d", mail.id, mail.message_id, attempts)
            return
        refused = sorted(report.refused)
        answers = "; ".join(f"{rcpt}: {report.refused[rcpt]}" for rcpt in refused)
        await self._failed(mail, attempts, f"recipient refused: {answers}", refused)

    async def _failed(
        self, mail: StoredMail, attempts: int, error: str, recipients: list[str]
    ) -> None:
        delay = retry_delay_s(attempts, self.settings)
        await host.to_thread(
            self.store.mark_failed, mail.id, error, aio.wall_time() + delay, recipients
        )
        log.warning(
            "mail %d: attempt %d failed (%s); next in %.0f s", mail.id, attempts, error, delay
        )
