"""Crash-safe WAV files: what was flushed survives, nothing half-written gets a final name."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import soundfile

from firmware.voicemail import wavfile
from tests.firmware.voicemail.audio import speech_like


def test_a_finished_file_is_a_wav_that_soundfile_reads(tmp_path: Path) -> None:
    audio = speech_like(2.0)
    writer = wavfile.WavWriter(tmp_path / "m.wav")
    writer.append(audio[:8000].tobytes())
    writer.append(audio[8000:].tobytes())
    assert not (tmp_path / "m.wav").exists(), "not listed under its name while recording"
    assert writer.finish() == len(audio) * 2
    data, rate = soundfile.read(tmp_path / "m.wav", dtype="int16")
    assert rate == 8000 and soundfile.info(tmp_path / "m.wav").channels == 1
    np.testing.assert_array_equal(data, audio)
    assert not wavfile.partial_path(tmp_path / "m.wav").exists()


def test_recovery_keeps_the_flushed_seconds_and_drops_an_unflushed_tail(tmp_path: Path) -> None:
    audio = speech_like(3.0)
    final = tmp_path / "cut.wav"
    writer = wavfile.WavWriter(final)
    writer.append(audio[:8000].tobytes())
    writer.append(audio[8000:16000].tobytes())
    # A power cut while the third second was being written: its audio reached the file,
    # the header that would count it did not.
    with open(wavfile.partial_path(final), "ab") as file:
        file.write(audio[16000:20000].tobytes())
    del writer
    assert wavfile.recover(final) == 16000 * 2
    data, rate = soundfile.read(final, dtype="int16")
    assert rate == 8000
    np.testing.assert_array_equal(data, audio[:16000])


def test_recovery_of_a_file_cut_before_its_first_flush_is_an_empty_wav(tmp_path: Path) -> None:
    final = tmp_path / "empty.wav"
    wavfile.partial_path(final).write_bytes(b"RIFF\x00")  # the header itself was cut
    assert wavfile.recover(final) == 0
    assert os.path.getsize(final) == wavfile.HEADER_BYTES
    assert soundfile.info(final).frames == 0
