"""Who last talked with a caller, read from the call history (for the personal manager)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from aio import host
from firmware.routing.numbers import SIGNIFICANT_DIGITS


class CallHistory:
    """Read-only questions to the history database that call control writes."""

    def __init__(self, path: Path) -> None:
        self.path = path

    async def recent_partners(self, number_key: str, since: float) -> list[str]:
        """Extensions that talked with `number_key` since `since`, the latest first."""
        return await host.to_thread(self._recent_partners, number_key, since)

    def _recent_partners(self, number_key: str, since: float) -> list[str]:
        if not self.path.exists() or not number_key:
            return []
        connection = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        try:
            rows = connection.execute(
                "SELECT legs.party FROM calls JOIN legs ON legs.call_id = calls.call_id"
                " WHERE calls.started_at >= ? AND calls.talk_s > 0"
                " AND (substr(calls.from_number, ?) = ? OR substr(calls.to_number, ?) = ?)"
                " AND legs.channel LIKE 'FXS/%' AND legs.answered_at IS NOT NULL"
                " ORDER BY calls.started_at DESC, legs.id DESC LIMIT 50",
                (since, -SIGNIFICANT_DIGITS, number_key, -SIGNIFICANT_DIGITS, number_key),
            ).fetchall()
        except sqlite3.OperationalError:  # no history written yet
            return []
        finally:
            connection.close()
        partners: list[str] = []
        for (party,) in rows:
            if party not in partners:
                partners.append(party)
        return partners
