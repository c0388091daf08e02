"""Call recordings: stored like voicemail, linked to their call, removed oldest first."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile

import aio
from aio import host
from firmware.voicemail.index import CallInfo
from tests.firmware.mail.smtp_server import free_port
from tests.firmware.voicemail.audio import RATE_HZ
from tests.firmware.voicemail.rig import EPOCH, messaging, office_config, speak_into

DAY_S = 86400.0
DISK_BYTES = 10_000_000


def _two_parties(seconds: float) -> np.ndarray:
    """The tap's mix: one party at 440 Hz, the other at 1 kHz, as a bridge sums them."""
    t = np.arange(int(seconds * RATE_HZ)) / RATE_HZ
    return (4000 * np.sin(2 * np.pi * 440 * t) + 4000 * np.sin(2 * np.pi * 1000 * t)).astype(
        np.int16
    )


def _config(**recording: object):
    config = office_config(free_port())
    return config.model_copy(update={"recording": config.recording.model_copy(update=recording)})


def test_a_recorded_call_keeps_both_parties_and_is_found_by_its_call(tmp_path: Path) -> None:
    async def main() -> None:
        services = messaging(tmp_path, _config(), disk_bytes=lambda: DISK_BYTES)
        await services.start()
        recording = await services.recordings.begin("101", CallInfo("84951234567", call_id="c7"))
        await speak_into(recording, _two_parties(4.0))
        await services.recordings.finish(recording)
        (found,) = await services.recordings.for_call("c7")
        audio, rate = soundfile.read(tmp_path / found.file, dtype="int16")
        assert rate == 8000 and len(audio) == 4 * RATE_HZ
        spectrum = np.abs(np.fft.rfft(audio))
        peaks = sorted(np.argsort(spectrum)[-2:] * RATE_HZ / len(audio))
        assert peaks == [440.0, 1000.0]
        await services.stop()

    host.run(main(), virtual=True, wall_epoch=EPOCH)


def test_retention_removes_the_oldest_first_by_age_then_by_disk_share(tmp_path: Path) -> None:
    async def main() -> None:
        config = _config(retention_days=3, max_disk_share=0.01)  # 100 kB of 10 MB
        services = messaging(tmp_path, config, disk_bytes=lambda: DISK_BYTES)
        await services.start()
        names = []
        for day in range(5):  # one 2 s call (32 kB) a day
            recording = await services.recordings.begin("101", CallInfo(call_id=f"day{day}"))
            await speak_into(recording, _two_parties(2.0))
            names.append((await services.recordings.finish(recording)).file)
            await aio.sleep(DAY_S)
        # Day 0 is now 5 days old, day 1 four, day 2 three: too old for 3 days' retention
        # (the hourly clean-up has removed them as they aged).
        await services.recordings.enforce_retention()
        kept = [m.call.call_id for m in await services.recordings.listed()]
        assert kept == ["day4", "day3"], "newest first; the oldest went"
        assert not (tmp_path / names[0]).exists() and (tmp_path / names[4]).exists()
        recording = await services.recordings.begin("101", CallInfo(call_id="day5"))
        await speak_into(recording, _two_parties(3.0))  # 48 kB more: over 100 kB together
        await services.recordings.finish(recording)
        report = await services.recordings.enforce_retention()
        assert report.removed == 1 and report.kept_bytes <= 100_000
        kept = [m.call.call_id for m in await services.recordings.listed()]
        assert kept == ["day5", "day4"], "the disk share removes the oldest too"
        await services.stop()

    host.run(main(), virtual=True, wall_epoch=EPOCH)
