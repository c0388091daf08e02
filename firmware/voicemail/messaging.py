"""The engine's messaging services, started and configured together: the mail outbox,
voicemail boxes, call recordings and missed-call notices.

At start the outbox resumes what was waiting, recordings cut off by a crash are finished up
to their last flushed second, and every voicemail whose mail was not yet queued gets it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from firmware.config import Config
from firmware.mail.missed_calls import MissedCallNotices
from firmware.mail.outbox import Outbox
from firmware.mail.smtp import deliver
from firmware.voicemail.audio_store import AudioStore
from firmware.voicemail.boxes import Voicemail
from firmware.voicemail.recordings import CallRecordings

log = logging.getLogger(__name__)

OUTBOX_FILE = "outbox.sqlite3"


class Messaging:
    def __init__(
        self,
        root: Path,
        config: Config,
        *,
        send: Any = deliver,
        disk_bytes: Callable[[], int] | None = None,
        on_new_count: Callable[[str, int], None] | None = None,
    ) -> None:
        self.config = config
        self.outbox = Outbox(
            root / OUTBOX_FILE, config.email, timezone=config.system.timezone, send=send
        )
        self.store = AudioStore(root)
        self.voicemail = Voicemail(self.store, config, self.outbox, on_new_count=on_new_count)
        self.recordings = CallRecordings(self.store, config.recording, disk_bytes=disk_bytes)
        self.missed_calls = MissedCallNotices(self.outbox, lambda: self.config)

    async def start(self) -> None:
        await self.outbox.start()
        recovered = await self.store.open()
        mailed = await self.voicemail.mail_recovered()
        if recovered or mailed:
            log.warning(
                "voicemail: %d recording(s) recovered after a crash, %d mail(s) queued",
                len(recovered),
                mailed,
            )
        self.recordings.start()
        self.missed_calls.start()

    def apply(self, config: Config) -> None:
        self.config = config
        self.outbox.apply(config.email, config.system.timezone)
        self.voicemail.apply(config)
        self.recordings.apply(config.recording)

    async def stop(self) -> None:
        await self.missed_calls.stop()
        await self.recordings.stop()
        await self.store.close()
        await self.outbox.stop()
