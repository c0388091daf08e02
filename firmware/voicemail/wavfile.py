"""WAV files (8 kHz mono, 16-bit PCM) that survive a power cut while being written.

A recording grows under a temporary name. Each `append` writes the new audio, syncs it, and
then rewrites the header to count it and syncs again: the header never claims audio that is
not on disk. After a crash `recover` trims the file to what its header counts (the last
flushed second) and gives it its final name; `finish` does the same at a normal end. Only
files under their final names are ever indexed as messages.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

from drivers.frames import SAMPLE_RATE_HZ

BYTES_PER_SAMPLE = 2
HEADER_BYTES = 44
BYTES_PER_SECOND = SAMPLE_RATE_HZ * BYTES_PER_SAMPLE
PARTIAL_SUFFIX = ".part"


class NotOurWav(ValueError):
    """A file that is not the 8 kHz mono 16-bit WAV this module writes."""


def wav_header(data_bytes: int) -> bytes:
    """The 44-byte RIFF/WAVE header for `data_bytes` of 8 kHz mono 16-bit PCM."""
    return struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF",
        36 + data_bytes,
        b"WAVE",
        b"fmt ",
        16,
        1,  # PCM
        1,  # mono
        SAMPLE_RATE_HZ,
        BYTES_PER_SECOND,
        BYTES_PER_SAMPLE,
        8 * BYTES_PER_SAMPLE,
        b"data",
        data_bytes,
    )


def header_data_bytes(header: bytes) -> int:
    """How much audio a header written by `wav_header` counts."""
    if len(header) < HEADER_BYTES or header[:4] != b"RIFF" or header[8:16] != b"WAVEfmt ":
        raise NotOurWav("not a RIFF/WAVE file")
    if header[8:36] != wav_header(0)[8:36] or header[36:40] != b"data":
        raise NotOurWav("not 8 kHz mono 16-bit PCM")
    return int(struct.unpack_from("<I", header, 40)[0])


def partial_path(final: Path) -> Path:
    return final.with_name(final.name + PARTIAL_SUFFIX)


def sync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class WavWriter:
    """Grows `<final>.part`; `finish()` renames it to `final`. Blocking: use from a thread."""

    def __init__(self, final: Path) -> None:
        self.final = final
        self.partial = partial_path(final)
        final.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.partial, "wb")  # noqa: SIM115 - lives as long as the recording
        self.data_bytes = 0
        self._file.write(wav_header(0))
        self._sync()
        sync_directory(final.parent)

    def _sync(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())

    def append(self, pcm: bytes) -> None:
        """Add int16 little-endian audio and make it durable, header included."""
        if not pcm:
            return
        self._file.seek(HEADER_BYTES + self.data_bytes)
        self._file.write(pcm)
        self._sync()  # the audio first: the header must never count what is not there
        self.data_bytes += len(pcm)
        self._file.seek(0)
        self._file.write(wav_header(self.data_bytes))
        self._sync()

    def finish(self, keep_bytes: int | None = None) -> int:
        """Close under the final name, keeping the first `keep_bytes` of audio (trimming
        trailing silence); returns the audio bytes kept."""
        kept = self.data_bytes if keep_bytes is None else min(self.data_bytes, keep_bytes)
        kept -= kept % BYTES_PER_SAMPLE
        self._file.truncate(HEADER_BYTES + kept)
        self._file.seek(0)
        self._file.write(wav_header(kept))
        self._sync()
        self._file.close()
        os.replace(self.partial, self.final)
        sync_directory(self.final.parent)
        return kept

    def discard(self) -> None:
        self._file.close()
        self.partial.unlink(missing_ok=True)


def recover(final: Path) -> int | None:
    """Finish a recording cut off by a crash: keep what its header counts (audio that was
    flushed), rename it to `final`; returns the audio bytes kept, None if there was no file.
    """
    partial = partial_path(final)
    if not partial.exists():
        return None if not final.exists() else os.path.getsize(final) - HEADER_BYTES
    with open(partial, "r+b") as file:
        header = file.read(HEADER_BYTES)
        try:
            counted = header_data_bytes(header)
        except NotOurWav:
            counted = 0  # cut before the first header reached the disk
        on_disk = max(0, os.path.getsize(partial) - HEADER_BYTES)
        kept = min(counted, on_disk)
        kept -= kept % BYTES_PER_SAMPLE
        file.truncate(HEADER_BYTES + kept)
        file.seek(0)
        file.write(wav_header(kept))
        file.flush()
        os.fsync(file.fileno())
    os.replace(partial, final)
    sync_directory(final.parent)
    return kept


def write_wav(path: Path, pcm: bytes) -> None:
    """A whole WAV at once (greetings), atomically: temp name, sync, rename, sync."""
    writer = WavWriter(path)
    writer.append(pcm)
    writer.finish()
