"""Opening the appliance's SQLite database: one way for the writer, one for readers.

The engine holds the only read-write connection: WAL (readers never block the writer or each
other), synchronous=FULL (a committed row survives a power cut), a busy timeout, and the
schema brought up to date on open. Readers — the web process, status requests — open
read-only connections, which can never change the file.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Final

from firmware.storage.errors import StorageError
from firmware.storage.migrations import migrate

log = logging.getLogger(__name__)

BUSY_TIMEOUT_S: Final = 5.0  # how long a statement waits for a lock before failing


def open_writer(path: Path) -> sqlite3.Connection:
    """The read-write connection, with the schema migrated to the latest version.

    Usable from any one thread at a time (the caller serialises access). Raises
    StorageError, leaving the file as it was, when the database cannot be used."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, check_same_thread=False)
    except (OSError, sqlite3.Error) as error:
        raise StorageError(f"{path}: cannot be opened for writing: {error}") from None
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        before, after = migrate(connection)
    except StorageError as error:
        connection.close()
        raise type(error)(f"{path}: {error}") from None
    except sqlite3.Error as error:
        connection.close()
        raise StorageError(
            f"{path}: not a usable database ({error}); move it aside to start a new one"
        ) from None
    if before != after:
        log.info("storage: %s upgraded from schema version %d to %d", path, before, after)
    connection.row_factory = sqlite3.Row
    return connection


def open_reader(path: Path) -> sqlite3.Connection:
    """A read-only connection (sqlite3.OperationalError if the file does not exist)."""
    connection = sqlite3.connect(
        f"{path.absolute().as_uri()}?mode=ro",
        uri=True,
        timeout=BUSY_TIMEOUT_S,
        check_same_thread=False,
    )
    connection.row_factory = sqlite3.Row
    return connection
