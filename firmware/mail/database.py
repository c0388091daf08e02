"""One SQLite file with its own schema version, for the outbox and the voicemail index.

WAL with synchronous=FULL (a committed row survives a power cut), a busy timeout, and a
schema applied by `PRAGMA user_version`: each entry of `migrations` moves the file one
version up, in order. When the shared storage package lands these become its migrations.
Every method runs in a worker thread (`aio.host.to_thread`); one lock serialises them.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
BUSY_TIMEOUT_MS = 5000


class NewerDatabase(RuntimeError):
    """The file was written by a newer release; refusing to guess at its layout."""


class Database:
    def __init__(self, path: Path, migrations: Sequence[str]) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._connection.row_factory = sqlite3.Row
        self._connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        self._connection.execute("PRAGMA journal_mode=WAL")
        self._connection.execute("PRAGMA synchronous=FULL")
        self._lock = threading.Lock()
        self._migrate(migrations)

    def _migrate(self, migrations: Sequence[str]) -> None:
        version = self._connection.execute("PRAGMA user_version").fetchone()[0]
        if version > len(migrations):
            raise NewerDatabase(
                f"{self.path} has schema version {version}; this release knows up to "
                f"{len(migrations)}"
            )
        for number, script in enumerate(migrations[version:], start=version + 1):
            self._connection.executescript(
                f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version={number};\nCOMMIT;"
            )

    def transaction(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work` in one transaction: all of it is stored, or none."""
        with self._lock:
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                result = work(self._connection)
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
            self._connection.execute("COMMIT")
            return result

    def query(self, sql: str, parameters: Sequence[Any] = ()) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(row) for row in self._connection.execute(sql, parameters)]

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> int:
        """One statement in its own transaction; returns the rows it changed."""
        with self._lock:
            return self._connection.execute(sql, parameters).rowcount

    def close(self) -> None:
        with self._lock:
            self._connection.close()
