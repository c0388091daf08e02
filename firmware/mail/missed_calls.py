"""Missed-call notices to a call centre's supervisors: one mail per call, or a daily digest.

The routing runner reports each caller nobody answered (who called, how long they waited,
which members were rung and for how long). A call centre with notices off sends nothing;
with a digest, the calls wait in the outbox's database (so a restart keeps them) and one
mail a day lists them, at the configured local hour.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import aio
from aio import host
from firmware.config import Config
from firmware.mail.notices import Locale, MemberRung, MissedCall, digest_mail, missed_call_mail
from firmware.mail.outbox import Outbox

log = logging.getLogger(__name__)

DIGEST_CHECK_S = 300.0


def _stored(call: MissedCall) -> str:
    return json.dumps(dataclasses.asdict(call), ensure_ascii=False)


def _loaded(text: str) -> MissedCall:
    values = json.loads(text)
    values["rung"] = tuple(MemberRung(**member) for member in values["rung"])
    return MissedCall(**values)


class MissedCallNotices:
    def __init__(self, outbox: Outbox, config_source: Callable[[], Config]) -> None:
        self.outbox = outbox
        self._config = config_source
        self._task: aio.Task[None] | None = None

    def _locale(self) -> Locale:
        system = self._config().system
        return Locale(system.language, system.country, system.timezone)

    async def missed(self, call: MissedCall) -> None:
        """A caller gave up on (or timed out of) a call centre."""
        notices = self._config().email.notices_for(call.call_centre)
        if notices is None or not notices.enabled or not notices.recipients:
            return
        if notices.daily_digest:
            await host.to_thread(
                self.outbox.store.db.execute,
                "INSERT INTO missed_calls (call_centre, started_at, record) VALUES (?, ?, ?)",
                (call.call_centre, call.started_at, _stored(call)),
            )
            return
        mail = missed_call_mail(call, notices.recipients, self._locale())
        key = f"missed:{call.call_centre}:{call.started_at}:{call.caller_number}"
        await self.outbox.queue(mail, key=key)

    async def send_digests(self, now: float) -> int:
        """Queue one digest per call centre for each past day that has missed calls whose
        digest hour has come; returns how many digests were queued."""
        config = self._config()
        zone = ZoneInfo(config.system.timezone)
        queued = 0
        for notices in config.email.missed_calls:
            if not (notices.enabled and notices.daily_digest and notices.recipients):
                continue
            moment = datetime.fromtimestamp(now, zone)
            due = moment.replace(hour=notices.digest_hour, minute=0, second=0, microsecond=0)
            if moment < due:
                due -= timedelta(days=1)
            cutoff = due.timestamp()  # everything missed before the last digest hour
            rows = await host.to_thread(
                self.outbox.store.db.query,
                "SELECT id, record FROM missed_calls WHERE call_centre = ? AND started_at < ?"
                " ORDER BY started_at",
                (notices.call_centre, cutoff),
            )
            if not rows:
                continue
            calls = [_loaded(row["record"]) for row in rows]
            mail = digest_mail(
                notices.call_centre, cutoff, calls, notices.recipients, self._locale()
            )
            key = f"digest:{notices.call_centre}:{rows[0]['id']}:{rows[-1]['id']}"
            await self.outbox.queue(mail, key=key)
            ids = [row["id"] for row in rows]
            await host.to_thread(
                self.outbox.store.db.execute,
                f"DELETE FROM missed_calls WHERE id IN ({','.join('?' * len(ids))})",
                ids,
            )
            queued += 1
        return queued

    def start(self) -> None:
        self._task = aio.create_task(self._digests())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await aio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _digests(self) -> None:
        while True:
            try:
                await self.send_digests(aio.wall_time())
            except Exception:
                log.exception("mail: missed-call digest failed; trying again later")
            await aio.sleep(DIGEST_CHECK_S)
