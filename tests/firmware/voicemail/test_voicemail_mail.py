"""A mail for every voicemail call, read from a real SMTP server on localhost."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import soundfile

import aio
from aio import host
from firmware.voicemail.index import CallInfo
from tests.firmware.mail.smtp_server import SmtpServer
from tests.firmware.voicemail.audio import rms, speech_like
from tests.firmware.voicemail.rig import EPOCH, messaging, office_config, speak_into

CALLER = CallInfo(
    caller_number="84951234567",
    caller_name="Сидоров",
    line="FXO/4",
    call_id="c-1",
    path=("menu: 2", "working hours: closed", "voicemail"),
)


async def _until_received(server: SmtpServer, count: int) -> None:
    for _ in range(600):
        if len(server.received) >= count:
            return
        await aio.sleep(1)
    raise AssertionError(f"{len(server.received)} of {count} mails arrived")


def test_a_message_arrives_as_mail_with_its_wav_at_the_level_spoken(tmp_path: Path) -> None:
    spoken = speech_like(5.0)
    with SmtpServer() as server:

        async def main() -> None:
            services = messaging(tmp_path, office_config(server.port))
            await services.start()
            recording = await services.voicemail.record("sales", CALLER)
            assert recording is not None
            await speak_into(recording, spoken)
            await services.voicemail.deposit(recording)
            await _until_received(server, 1)
            await services.stop()

        host.run(main(), virtual=True, wall_epoch=EPOCH)

    (received,) = server.received
    message = received.message
    assert received.recipients == ["sales@office.example"]
    assert message["Subject"] == "Голосовое сообщение от 8 (495) 123-45-67, 03.12.2025 13:00"
    body = message.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "Звонил: Сидоров, 8 (495) 123-45-67" in text
    assert "Ящик: Продажи" in text
    assert "Длительность: 0:05" in text
    assert "Путь звонка: menu: 2 → working hours: closed → voicemail" in text
    (attachment,) = message.iter_attachments()
    assert attachment.get_filename() == "Голосовое сообщение 03.12.2025 13-00 84951234567.wav"
    audio, rate = soundfile.read(io.BytesIO(attachment.get_content()), dtype="int16")
    assert rate == 8000 and audio.ndim == 1
    assert abs(len(audio) / rate - 5.0) <= 0.3
    level_db = 20 * np.log10(rms(audio) / rms(spoken))
    assert abs(level_db) <= 1.0


def test_a_caller_who_hangs_up_in_the_greeting_still_produces_a_mail(tmp_path: Path) -> None:
    with SmtpServer() as server:

        async def main() -> None:
            services = messaging(tmp_path, office_config(server.port))
            await services.start()
            await services.voicemail.no_message("101", CALLER, aio.wall_time())
            await _until_received(server, 1)
            await services.stop()

        host.run(main(), virtual=True, wall_epoch=EPOCH + 15 * 60)

    (received,) = server.received
    assert received.recipients == ["ivan@office.example"], "the owner's own address"
    message = received.message
    assert message["Subject"] == (
        "Пропущенный звонок от 8 (495) 123-45-67, 03.12.2025 13:15: без сообщения"
    )
    assert list(message.iter_attachments()) == []
    body = message.get_body(("plain",))
    assert body is not None
    assert "положил трубку во время приветствия" in body.get_content()
    assert "Получено: 03.12.2025 13:15:00" in body.get_content()


def test_a_full_box_refuses_the_recording_and_the_mail_says_so(tmp_path: Path) -> None:
    with SmtpServer() as server:

        async def main() -> None:
            config = office_config(server.port, total_quota_mb=0.05)  # about 3 s of audio
            services = messaging(tmp_path, config)
            await services.start()
            recording = await services.voicemail.record("sales", CALLER)
            assert recording is not None
            assert recording.recorder.max_samples == 50_000 // 2
            await speak_into(recording, speech_like(5.0))
            message = await services.voicemail.deposit(recording)
            assert 3.0 <= message.duration_s <= 3.2, "cut at the quota"
            status = await services.voicemail.status("sales")
            assert status.condition == "full"
            assert status.reason == "all boxes together have used their 0.05 MB"
            assert await services.voicemail.record("sales", CALLER) is None
            await services.voicemail.no_message("sales", CALLER, aio.wall_time(), full=True)
            await _until_received(server, 2)
            await services.stop()

        host.run(main(), virtual=True, wall_epoch=EPOCH)

    body = server.received[1].message.get_body(("plain",))
    assert body is not None and "Ящик переполнен" in body.get_content()
