"""What goes wrong with the database, in words a person can act on."""

from __future__ import annotations


class StorageError(Exception):
    """The database cannot be used; the message names the file and what to do."""


class NewerDatabase(StorageError):
    """The database was written by a newer release; opening it here could damage it."""
