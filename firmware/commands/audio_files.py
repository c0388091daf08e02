"""WAV files for the technician tools: read anything common as 8 kHz mono int16, write that."""

from __future__ import annotations

import warnings
from math import gcd
from pathlib import Path

import numpy as np
from scipy.io import wavfile
from scipy.signal import resample_poly

from drivers.frames import SAMPLE_RATE_HZ

SAMPLE_RATE = SAMPLE_RATE_HZ


class AudioFileError(Exception):
    pass


def read_audio(path: Path) -> np.ndarray:
    """The file's audio as 8 kHz mono int16: channels averaged, other rates resampled."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", wavfile.WavFileWarning)
            rate, data = wavfile.read(path)
    except FileNotFoundError:
        raise AudioFileError(f"{path}: no such file") from None
    except (ValueError, OSError) as error:
        raise AudioFileError(f"{path}: not a WAV file this tool reads ({error})") from None
    samples = _to_float(data)
    if samples.ndim == 2:
        samples = samples.mean(axis=1)
    if rate != SAMPLE_RATE:
        common = gcd(int(rate), SAMPLE_RATE)
        samples = resample_poly(samples, SAMPLE_RATE // common, int(rate) // common)
    return np.clip(np.round(samples * 32768.0), -32768, 32767).astype(np.int16)


def write_audio(path: Path, samples: np.ndarray) -> None:
    """Write 8 kHz mono 16-bit PCM WAV (what prompts and every tool here use)."""
    wavfile.write(path, SAMPLE_RATE, np.asarray(samples, dtype=np.int16))


def _to_float(data: np.ndarray) -> np.ndarray:
    if data.dtype == np.uint8:
        return (data.astype(np.float64) - 128.0) / 128.0
    if data.dtype == np.int16:
        return data.astype(np.float64) / 32768.0
    if data.dtype == np.int32:
        return data.astype(np.float64) / 2147483648.0
    if np.issubdtype(data.dtype, np.floating):
        return data.astype(np.float64)
    raise AudioFileError(f"unsupported sample format {data.dtype}")
