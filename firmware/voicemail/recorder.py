"""The recorder a call's tap feeds: 160-sample int16 frames in, a crash-safe WAV out.

`feed()` runs in the media tick, so it only copies the frame and measures its level; every
second of audio is handed to a writer task that appends it in a worker thread (the loop
never waits on the disk). The recorder says when to stop: at the maximum length, or after
`silence_end_s` of silence; on finishing, trailing silence is trimmed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import aio
from aio import host
from firmware.voicemail.wavfile import BYTES_PER_SAMPLE, SAMPLE_RATE_HZ, WavWriter
from voice.level import dbm0_to_power

log = logging.getLogger(__name__)

FLUSH_EVERY_S = 1.0  # a power cut loses at most this much of a recording
SILENCE_DBM0 = -45.0  # quieter frames are silence (line noise, a held breath)
TRIM_KEEP_S = 0.15  # of trailing silence, so a message does not end abruptly
_SILENCE_POWER = dbm0_to_power(SILENCE_DBM0)


@dataclass(frozen=True)
class Recorded:
    path: Path
    duration_s: float
    bytes: int  # audio bytes in the file (the header's 44 not counted)


class Recorder:
    def __init__(
        self,
        final: Path,
        *,
        max_s: float,
        silence_end_s: float | None = None,
        flush_every_s: float = FLUSH_EVERY_S,
    ) -> None:
        self.final = final
        self.max_samples = int(max_s * SAMPLE_RATE_HZ)
        self.silence_end_samples = (
            None if silence_end_s is None else int(silence_end_s * SAMPLE_RATE_HZ)
        )
        self._flush_samples = int(flush_every_s * SAMPLE_RATE_HZ)
        self._pending: list[bytes] = []
        self._pending_samples = 0
        self.samples = 0
        self.last_sound_sample = 0  # end of the last frame louder than silence
        self._chunks: host.Queue[bytes | None] = host.Queue()
        self._writer: WavWriter | None = None
        self._task: aio.Task[None] | None = None
        self.failed: BaseException | None = None

    async def start(self) -> Recorder:
        self._writer = await host.to_thread(WavWriter, self.final)
        self._task = aio.create_task(self._write_chunks())
        return self

    @property
    def full(self) -> bool:
        """The recording should end: maximum length reached, or silence long enough."""
        if self.samples >= self.max_samples:
            return True
        quiet = self.samples - self.last_sound_sample
        return self.silence_end_samples is not None and quiet >= self.silence_end_samples

    def feed(self, frame: np.ndarray) -> bool:
        """Take one frame (any length, int16); returns False once the recording is full.
        Cheap enough for the media tick: no disk, no allocation beyond the copy."""
        if self.samples >= self.max_samples:
            return False
        frame = frame[: self.max_samples - self.samples]
        self._pending.append(frame.astype("<i2", copy=False).tobytes())
        self._pending_samples += len(frame)
        self.samples += len(frame)
        if len(frame) and float(np.dot(frame, frame.astype(np.float64))) > _SILENCE_POWER * len(
            frame
        ):
            self.last_sound_sample = self.samples
        if self._pending_samples >= self._flush_samples:
            self._hand_over()
        return not self.full

    def _hand_over(self) -> None:
        if self._pending:
            self._chunks.put_nowait(b"".join(self._pending))
            self._pending.clear()
            self._pending_samples = 0

    async def _write_chunks(self) -> None:
        assert self._writer is not None
        while (chunk := await self._chunks.get()) is not None:
            if self.failed is not None:
                continue
            try:
                await host.to_thread(self._writer.append, chunk)
            except OSError as error:  # a full or failing disk: keep what is written
                self.failed = error
                log.error("recording %s: cannot write: %s", self.final.name, error)

    async def _drain(self) -> None:
        self._hand_over()
        self._chunks.put_nowait(None)
        if self._task is not None:
            await self._task

    async def finish(self, *, trim_silence: bool = True) -> Recorded:
        """Write what is left and close under the final name."""
        await self._drain()
        assert self._writer is not None
        keep = None
        if trim_silence:
            keep_samples = min(
                self.samples, self.last_sound_sample + int(TRIM_KEEP_S * SAMPLE_RATE_HZ)
            )
            keep = keep_samples * BYTES_PER_SAMPLE
        kept = await host.to_thread(self._writer.finish, keep)
        return Recorded(self.final, kept / BYTES_PER_SAMPLE / SAMPLE_RATE_HZ, kept)

    async def discard(self) -> None:
        await self._drain()
        if self._writer is not None:
            await host.to_thread(self._writer.discard)
