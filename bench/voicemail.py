"""Voicemail and call recording: CPU per recording channel, and disk writes per hour.

A typical busy office hour on virtual time: six voicemails of 30 s (each mailed with its
WAV), an hour of recorded calls (20 calls of 3 min, both parties mixed by the call tap),
and six missed-call notices. The mail server accepts everything at once, so the outbox's
own writes are counted too. Disk figures are the bytes the process handed to write()
(SQLite, WAL and audio files; /proc/self/io `wchar`), and what is left on disk afterwards.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

import aio
from aio import host
from firmware.config import Config
from firmware.config.defaults import default_config
from firmware.mail.notices import MemberRung, MissedCall
from firmware.mail.smtp import DeliveryReport
from firmware.voicemail.call_tap import MixingTap
from firmware.voicemail.index import CallInfo
from firmware.voicemail.messaging import Messaging

FRAME = 160
FRAMES_PER_SECOND = 50
VOICEMAILS, VOICEMAIL_S = 6, 30
RECORDED_CALLS, RECORDED_CALL_S = 20, 180
MISSED_CALLS = 6


def _speech(seconds: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * 8000)) / 8000
    voice = sum(np.sin(2 * np.pi * 130 * k * t) / k for k in range(1, 20))
    envelope = 0.55 + 0.45 * np.abs(np.sin(2 * np.pi * 2 * t))
    signal = voice * envelope + 0.02 * rng.standard_normal(len(t))
    return (signal * 3000 / np.sqrt(np.mean(signal**2))).astype(np.int16)


def _written_bytes() -> int:
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("wchar:"):
            return int(line.split()[1])
    return 0


def _accept(_settings: object, _recipients: list[str], _message: bytes) -> DeliveryReport:
    return DeliveryReport()


def _config() -> Config:
    document = default_config().model_dump(mode="json")
    document["email"].update(host="127.0.0.1", from_address="pbx@office.example")
    document["email"]["missed_calls"] = [
        {"call_centre": "sales", "recipients": ["boss@office.example"]}
    ]
    document["voicemail"] = {
        "boxes": [{"id": "sales", "recipients": ["sales@office.example"], "quota_mb": 500}]
    }
    return Config.model_validate(document)


async def _feed(recorder_feed, audio: np.ndarray, spent: list[float]) -> None:  # type: ignore[no-untyped-def]
    for second in range(0, len(audio), FRAME * FRAMES_PER_SECOND):
        block = audio[second : second + FRAME * FRAMES_PER_SECOND]
        started = time.perf_counter()
        for start in range(0, len(block), FRAME):
            recorder_feed(block[start : start + FRAME])
        spent[0] += time.perf_counter() - started
        await aio.sleep(1.0)  # a second of media clock


def _mixing(tap: MixingTap, other: np.ndarray):  # type: ignore[no-untyped-def]
    """A frame feeder for a recorded call: the caller's frame and the answerer's, mixed."""
    position = [0]

    def feed(frame: np.ndarray) -> None:
        tap.frame(frame, other[position[0] : position[0] + FRAME])
        position[0] += FRAME

    return feed


async def _office_hour(root: Path, spent: list[float]) -> None:
    services = Messaging(root, _config(), send=_accept)
    await services.start()
    speech = _speech(RECORDED_CALL_S, seed=1)
    answer = _speech(RECORDED_CALL_S, seed=2)
    for number in range(RECORDED_CALLS):
        recording = await services.recordings.begin("101", CallInfo(f"8495{number:07d}"))
        tap = MixingTap()
        tap.attach(recording.recorder)
        await _feed(_mixing(tap, answer), speech, spent)
        await services.recordings.finish(recording)
        if number < VOICEMAILS:
            message = await services.voicemail.record("sales", CallInfo(f"8495{number:07d}"))
            assert message is not None
            await _feed(message.recorder.feed, speech[: VOICEMAIL_S * 8000], spent)
            await services.voicemail.deposit(message)
        if number < MISSED_CALLS:
            rung = (MemberRung("101", 20, "no_answer"), MemberRung("102", 20, "busy"))
            await services.missed_calls.missed(
                MissedCall("sales", f"8495{number:07d}", "", aio.wall_time(), 40.0, rung)
            )
    await aio.sleep(60)
    await services.stop()


def run() -> list[dict]:
    root = Path(tempfile.mkdtemp(prefix="switchboard-bench-"))
    spent = [0.0]
    try:
        written_before, cpu_before = _written_bytes(), time.process_time()
        host.run(_office_hour(root, spent), virtual=True)
        cpu = time.process_time() - cpu_before
        written = _written_bytes() - written_before
        kept = sum(path.stat().st_size for path in root.rglob("*") if path.is_file())
    finally:
        shutil.rmtree(root, ignore_errors=True)
    channel_seconds = RECORDED_CALLS * RECORDED_CALL_S + VOICEMAILS * VOICEMAIL_S
    return [
        {
            "name": "recorder tap in the media tick",
            "ours_us_per_channel_s": 1e6 * spent[0] / channel_seconds,
            "note": "each 160-sample frame: both parties mixed (recorded calls), copy, level",
        },
        {
            "name": "recording, all of it (writer thread, index, mail)",
            "ours_us_per_channel_s": 1e6 * cpu / channel_seconds,
            "note": f"{channel_seconds / 3600:.2f} channel-hours recorded",
        },
        {
            "name": "disk writes per hour of typical traffic",
            "ours_us_per_channel_s": None,
            "note": f"{written / 1e6:.1f} MB written, {kept / 1e6:.1f} MB kept "
            f"({VOICEMAILS} voicemails of {VOICEMAIL_S} s mailed, {RECORDED_CALLS} recorded "
            f"calls of {RECORDED_CALL_S // 60} min, {MISSED_CALLS} missed-call notices)",
        },
    ]
