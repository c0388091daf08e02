"""Greetings an office uploads (WAV, MP3, OGG, FLAC), kept as 8 kHz mono WAV.

A file is converted once, on upload: read with libsndfile, channels averaged, resampled
to 8 kHz, levelled to leave headroom, and stored under `greetings/NAME.wav` through a
temporary name and a rename, so a scenario never plays half a file. Anything that is not
audio, is empty, or is longer than a greeting should be is refused with a reason and
leaves the library as it was.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from math import gcd
from pathlib import Path

import numpy as np
import soundfile
from scipy.signal import resample_poly

from drivers.frames import SAMPLE_RATE_HZ
from firmware.paths import DataPaths

MAX_UPLOAD_BYTES = 25 * 1024 * 1024
MAX_GREETING_S = 600.0
PEAK_LIMIT = 0.89  # about -1 dBFS: headroom for G.711 and the line
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


class GreetingRefused(ValueError):
    """The upload is not a greeting this appliance can use; nothing was changed."""


@dataclass(frozen=True)
class Greeting:
    name: str
    seconds: float
    size_bytes: int
    saved_at: float

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "seconds": round(self.seconds, 2),
            "size_bytes": self.size_bytes,
            "saved_at": self.saved_at,
        }


def greetings_dir(paths: DataPaths) -> Path:
    return paths.root / "greetings"


def check_name(name: str) -> str:
    if not NAME_PATTERN.match(name):
        raise GreetingRefused(
            f"{name!r} cannot name a greeting: use 1 to 40 of a-z, 0-9, - and _, e.g. welcome"
        )
    return name


def convert(source: Path) -> np.ndarray:
    """The upload as 8 kHz mono int16, or GreetingRefused saying why not."""
    size = source.stat().st_size
    if size == 0:
        raise GreetingRefused("the file is empty")
    if size > MAX_UPLOAD_BYTES:
        raise GreetingRefused(f"the file is larger than {MAX_UPLOAD_BYTES // 2**20} MB")
    try:
        info = soundfile.info(str(source))
        if info.frames / max(info.samplerate, 1) > MAX_GREETING_S:
            raise GreetingRefused(f"the recording is longer than {MAX_GREETING_S / 60:.0f} minutes")
        data, rate = soundfile.read(str(source), dtype="float64", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, TypeError) as error:
        raise GreetingRefused(f"not an audio file this appliance reads ({error})") from None
    samples = data.mean(axis=1)
    if len(samples) == 0:
        raise GreetingRefused("the recording has no sound in it")
    if rate != SAMPLE_RATE_HZ:
        common = gcd(int(rate), SAMPLE_RATE_HZ)
        samples = resample_poly(samples, SAMPLE_RATE_HZ // common, int(rate) // common)
    peak = float(np.max(np.abs(samples)))
    if peak > PEAK_LIMIT:
        samples = samples * (PEAK_LIMIT / peak)
    return np.round(samples * 32767.0).astype(np.int16)


def add_greeting(paths: DataPaths, name: str, source: Path) -> Greeting:
    check_name(name)
    samples = convert(source)
    folder = greetings_dir(paths)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}.wav"
    partial = folder / f".{name}.wav.partial"
    soundfile.write(str(partial), samples, SAMPLE_RATE_HZ, subtype="PCM_16", format="WAV")
    with open(partial, "rb") as written:
        os.fsync(written.fileno())
    partial.replace(target)
    return _describe(target)


def list_greetings(paths: DataPaths) -> list[Greeting]:
    folder = greetings_dir(paths)
    if not folder.is_dir():
        return []
    return [_describe(path) for path in sorted(folder.glob("*.wav"))]


def delete_greeting(paths: DataPaths, name: str) -> None:
    target = greetings_dir(paths) / f"{check_name(name)}.wav"
    if not target.exists():
        raise GreetingRefused(f"there is no greeting called {name!r}")
    target.unlink()


def _describe(path: Path) -> Greeting:
    info = soundfile.info(str(path))
    stat = path.stat()
    return Greeting(path.stem, info.frames / info.samplerate, stat.st_size, stat.st_mtime)
