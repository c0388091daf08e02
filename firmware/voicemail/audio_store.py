"""Where voicemail messages and call recordings live: files under the data directory and
their index, written so that a crash loses at most the last second of a recording.

Layout: `voicemail/index.sqlite3`; `voicemail/<box>/<id>.wav`; greetings in
`voicemail/<box>/greetings/<kind>.wav`; call recordings in `recordings/<yyyy-mm>/<id>.wav`.
Every method that touches the disk is a coroutine that works in a thread.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

import aio
from aio import host
from firmware.voicemail import wavfile
from firmware.voicemail.index import CallInfo, Kind, Message, MessageIndex
from firmware.voicemail.recorder import Recorder

log = logging.getLogger(__name__)

INDEX_FILE = "voicemail/index.sqlite3"


@dataclass
class Recording:
    """A recording under way: what it is, and the recorder its tap feeds."""

    id: str
    kind: Kind
    box: str
    call: CallInfo
    started_at: float
    recorder: Recorder


class AudioStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._index: MessageIndex | None = None

    @property
    def index(self) -> MessageIndex:
        if self._index is None:
            raise RuntimeError("the audio store is not open")
        return self._index

    async def open(self) -> list[Message]:
        """Open the index and finish what a crash cut off; returns the recovered messages."""
        self._index = await host.to_thread(MessageIndex, self.root / INDEX_FILE)
        return await host.to_thread(self._recover)

    def _recover(self) -> list[Message]:
        recovered = []
        for cut in self.index.in_progress():
            kept = wavfile.recover(self.root / cut.file)
            if kept is None:
                log.warning("%s %s: no audio survived; dropped from the index", cut.kind, cut.id)
                self.index.remove(cut.id)
                continue
            duration_s = kept / wavfile.BYTES_PER_SECOND
            message = self.index.ready(cut.id, duration_s, kept, recovered=True)
            log.warning("%s %s: recovered %.1f s after a crash", cut.kind, cut.id, duration_s)
            recovered.append(message)
        return recovered

    async def close(self) -> None:
        if self._index is not None:
            await host.to_thread(self._index.close)
            self._index = None

    def _relative_file(self, kind: Kind, box: str, message_id: str, now: float) -> str:
        if kind is Kind.VOICEMAIL:
            return f"voicemail/{box}/{message_id}.wav"
        month = datetime.fromtimestamp(now, UTC).strftime("%Y-%m")
        return f"recordings/{month}/{message_id}.wav"

    async def begin(
        self,
        kind: Kind,
        box: str,
        call: CallInfo,
        *,
        max_s: float,
        silence_end_s: float | None = None,
    ) -> Recording:
        """Index a new recording (not listed until finished) and start its file."""
        now = aio.wall_time()
        message_id = uuid.uuid4().hex
        relative = self._relative_file(kind, box, message_id, now)
        await host.to_thread(self.index.begin, kind, box, message_id, relative, now, call)
        recorder = Recorder(self.root / relative, max_s=max_s, silence_end_s=silence_end_s)
        await recorder.start()
        return Recording(message_id, kind, box, call, now, recorder)

    async def finish(self, recording: Recording, *, trim_silence: bool) -> Message:
        recorded = await recording.recorder.finish(trim_silence=trim_silence)
        return await host.to_thread(
            self.index.ready, recording.id, recorded.duration_s, recorded.bytes, recovered=False
        )

    async def discard(self, recording: Recording) -> None:
        await recording.recorder.discard()
        await host.to_thread(self.index.remove, recording.id)

    async def read_audio(self, message: Message) -> np.ndarray:
        """The message's samples (int16, 8 kHz) for playing to a caller."""
        data = await host.to_thread((self.root / message.file).read_bytes)
        return np.frombuffer(data[wavfile.HEADER_BYTES :], dtype="<i2").astype(np.int16)

    async def read_file(self, message: Message) -> bytes:
        return await host.to_thread((self.root / message.file).read_bytes)

    async def delete(self, message: Message) -> None:
        """Forget the message, then remove its file (a crash in between leaves an unlisted
        file, never a listed message without audio)."""
        await host.to_thread(self.index.remove, message.id)
        await host.to_thread((self.root / message.file).unlink, missing_ok=True)

    def greeting_path(self, box: str, kind: str) -> Path:
        return self.root / "voicemail" / box / "greetings" / f"{kind}.wav"
