"""Call recordings: stored like voicemail (crash-safe WAV plus index), kept within limits.

Which calls are recorded is the config's `recording.rules` (per employee, call centre or
inbound route); call control feeds the mixed audio of both parties to the recorder through
its tap. Retention removes recordings older than `retention_days`, then the oldest ones
while all recordings together take more than `max_disk_share` of the data disk.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass

import aio
from aio import host
from firmware.config.voicemail import RecordingSettings
from firmware.voicemail.audio_store import AudioStore, Recording
from firmware.voicemail.index import CallInfo, Kind, Message

log = logging.getLogger(__name__)

DAY_S = 86400.0
MAX_CALL_S = 4 * 3600.0  # a recording longer than this is cut (a line left off-hook)
RETENTION_EVERY_S = 3600.0


@dataclass(frozen=True)
class RetentionReport:
    removed: int
    freed_bytes: int
    kept: int
    kept_bytes: int


class CallRecordings:
    def __init__(
        self,
        store: AudioStore,
        settings: RecordingSettings,
        *,
        disk_bytes: Callable[[], int] | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self._disk_bytes = disk_bytes or (lambda: shutil.disk_usage(store.root).total)
        self._task: aio.Task[None] | None = None

    def apply(self, settings: RecordingSettings) -> None:
        self.settings = settings

    def records(self, scope: str, target: str) -> bool:
        """Does a rule ask for calls of this employee / call centre / inbound route?"""
        return any(rule.scope == scope and rule.target == target for rule in self.settings.rules)

    async def begin(self, owner: str, call: CallInfo) -> Recording:
        """Start recording a call for `owner` (the rule's target); the tap feeds it."""
        return await self.store.begin(Kind.RECORDING, owner, call, max_s=MAX_CALL_S)

    async def finish(self, recording: Recording) -> Message:
        message = await self.store.finish(recording, trim_silence=False)
        log.info("recording %s: %.1f s for %s", message.id, message.duration_s, message.box)
        return message

    async def listed(self, owner: str | None = None) -> list[Message]:
        return await host.to_thread(self.store.index.listed, Kind.RECORDING, owner)

    async def for_call(self, call_id: str) -> list[Message]:
        """The recordings of one call (its history row links to them)."""
        return [m for m in await self.listed() if m.call.call_id == call_id]

    async def enforce_retention(self) -> RetentionReport:
        """Remove what is too old, then the oldest until the disk share is respected."""
        oldest_first = await host.to_thread(self.store.index.oldest_first, Kind.RECORDING)
        cutoff = aio.wall_time() - self.settings.retention_days * DAY_S
        allowed = self.settings.max_disk_share * await host.to_thread(self._disk_bytes)
        total = sum(message.bytes for message in oldest_first)
        removed = freed = 0
        for message in oldest_first:
            if message.started_at >= cutoff and total <= allowed:
                break
            await self.store.delete(message)
            total -= message.bytes
            removed += 1
            freed += message.bytes
        if removed:
            log.info("recordings: retention removed %d (%d bytes)", removed, freed)
        return RetentionReport(removed, freed, len(oldest_first) - removed, total)

    def start(self) -> None:
        self._task = aio.create_task(self._keep_within_limits())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await aio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _keep_within_limits(self) -> None:
        while True:
            try:
                await self.enforce_retention()
            except OSError as error:
                log.error("recordings: retention failed: %s", error)
            await aio.sleep(RETENTION_EVERY_S)
