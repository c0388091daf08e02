"""Writing call history: one row per finished call and one per leg, durably.

The engine is the only writer. Rows are written in a worker thread (the media clock never
waits for the disk) and committed with synchronous=FULL in WAL mode, so a finished call
survives a power cut. What is written is described by the small protocols below, so the
engine's records (`firmware.engine.history`) can change shape without this module knowing
them; enum fields are stored as their text values.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from aio import host
from firmware.storage.database import open_writer


class StoredLeg(Protocol):
    """One party's part of a call, as history keeps it."""

    @property
    def channel(self) -> str: ...
    @property
    def party(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def started_at(self) -> float: ...
    @property
    def answered_at(self) -> float | None: ...
    @property
    def ended_at(self) -> float | None: ...
    @property
    def end_reason(self) -> str: ...


class StoredCall(Protocol):
    """A finished call, as history keeps it."""

    @property
    def call_id(self) -> str: ...
    @property
    def direction(self) -> str: ...
    @property
    def from_number(self) -> str: ...
    @property
    def from_name(self) -> str: ...
    @property
    def to_number(self) -> str: ...
    @property
    def line_port(self) -> int | None: ...
    @property
    def started_at(self) -> float: ...
    @property
    def answered_at(self) -> float | None: ...
    @property
    def ended_at(self) -> float | None: ...
    @property
    def ring_s(self) -> float: ...
    @property
    def talk_s(self) -> float: ...
    @property
    def end_reason(self) -> str: ...
    @property
    def hung_up_by(self) -> str: ...
    @property
    def legs(self) -> Sequence[StoredLeg]: ...


class HistoryWriter:
    """Appends finished calls to the history database (created or upgraded on open)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._connection = open_writer(path)
        self._lock = threading.Lock()

    async def record(self, call: StoredCall) -> None:
        await host.to_thread(self.write, call)

    def write(self, call: StoredCall) -> None:
        """Store one call and its legs in one transaction (blocking)."""
        ended = call.ended_at if call.ended_at is not None else call.started_at
        with self._lock, self._connection:
            self._connection.execute(
                "INSERT INTO calls (call_id, direction, from_number, from_name, to_number,"
                " line_port, started_at, answered_at, ended_at, ring_s, talk_s, end_reason,"
                " hung_up_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    call.call_id,
                    str(call.direction),
                    call.from_number,
                    call.from_name,
                    call.to_number,
                    call.line_port,
                    call.started_at,
                    call.answered_at,
                    ended,
                    call.ring_s,
                    call.talk_s,
                    str(call.end_reason),
                    str(call.hung_up_by),
                ),
            )
            self._connection.executemany(
                "INSERT INTO legs (call_id, channel, party, role, started_at, answered_at,"
                " ended_at, end_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        call.call_id,
                        leg.channel,
                        leg.party,
                        str(leg.role),
                        leg.started_at,
                        leg.answered_at,
                        leg.ended_at if leg.ended_at is not None else ended,
                        str(leg.end_reason or call.end_reason),
                    )
                    for leg in call.legs
                ],
            )

    def close(self) -> None:
        with self._lock:
            self._connection.close()
