"""The engine's recent log lines kept in memory, for the web UI's log page.

A bounded ring of formatted records at INFO and above: a technician sees what the engine
said lately without a shell on the appliance, and nothing grows without limit.
"""

from __future__ import annotations

import logging
from collections import deque
from typing import Any

KEPT_LINES = 1000


class RecentLog(logging.Handler):
    def __init__(self, kept: int = KEPT_LINES) -> None:
        super().__init__(logging.INFO)
        self.records: deque[dict[str, Any]] = deque(maxlen=kept)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
            if record.exc_info:
                message += "\n" + logging.Formatter().formatException(record.exc_info)
        except Exception:  # a broken log call must not break the engine
            self.handleError(record)
            return
        self.records.append(
            {
                "at": record.created,
                "level": record.levelname,
                "source": record.name,
                "message": message,
            }
        )

    def tail(self, count: int, level: str = "INFO") -> list[dict[str, Any]]:
        """The newest `count` records at `level` or above, oldest first."""
        floor = logging.getLevelName(level)
        if not isinstance(floor, int):
            raise ValueError(f"no log level {level!r}")
        chosen = [r for r in self.records if logging.getLevelName(r["level"]) >= floor]
        return chosen[-count:]

    def attach(self) -> RecentLog:
        logging.getLogger().addHandler(self)
        return self

    def detach(self) -> None:
        logging.getLogger().removeHandler(self)


# The engine process's own ring, attached when the process starts.
RECENT_LOG = RecentLog()
