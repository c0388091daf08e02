"""Reading call history: the newest calls with their legs, through a read-only connection.

Shared by the engine (status requests, off its event loop) and the web process, which reads
the database itself rather than asking the engine; nothing here imports the engine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

from firmware.storage.database import open_reader

HISTORY_LIMIT_MAX: Final = 1000  # the most calls one read returns


def read_calls(path: Path, limit: int = 100) -> list[dict[str, Any]]:
    """The newest `limit` calls, newest first, each with its legs in order.

    A database not created yet (no call has ended) reads as no calls. Blocking: call it
    from a thread when on an event loop."""
    if not 1 <= limit <= HISTORY_LIMIT_MAX:
        raise ValueError(f"limit must be 1 to {HISTORY_LIMIT_MAX}, got {limit}")
    if not path.exists():
        return []
    connection = open_reader(path)
    try:
        calls = [
            dict(row)
            for row in connection.execute(
                "SELECT * FROM calls ORDER BY started_at DESC, id DESC LIMIT ?", (limit,)
            )
        ]
        for call in calls:
            call["legs"] = [
                dict(row)
                for row in connection.execute(
                    "SELECT channel, party, role, started_at, answered_at, ended_at, end_reason"
                    " FROM legs WHERE call_id = ? ORDER BY id",
                    (call["call_id"],),
                )
            ]
        return calls
    finally:
        connection.close()
