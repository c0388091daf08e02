"""The scenario's voicemail operation on call control's verbs (the routing tests' fake call
control), the caller's voice fed through the media tap, the mail read from a real SMTP
server on localhost."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import soundfile

import aio
from aio import host
from firmware.config import Config
from firmware.routing.prompts import PromptLibrary
from firmware.routing.runner import RoutingRunner
from firmware.verbs import EndReason
from firmware.voicemail.desk import VoicemailDesk
from firmware.voicemail.messaging import Messaging
from tests.firmware.mail.smtp_server import SmtpServer
from tests.firmware.routing.conftest import scenario, spoken_prompts  # noqa: F401
from tests.firmware.routing.fake_control import FakeCall, FakeCallControl, Press
from tests.firmware.voicemail.audio import frames, rms, speech_like
from tests.firmware.voicemail.rig import EPOCH, messaging, office_config

CALLER = "84951234567"
SUBJECT_AT = "8 (495) 123-45-67, 03.12.2025 13:00"  # Moscow time, Russian number format


def _office(port: int, operation: dict[str, Any], **voicemail: Any) -> Config:
    document = office_config(port, **voicemail).model_dump(mode="json")
    document["routing"] = scenario({"first": {"type": "voicemail", **operation}})
    return Config.model_validate(document)


def _speaker(audio: np.ndarray):  # type: ignore[no-untyped-def]
    """The caller's side of the line: `audio` from the moment the recording listens, then
    silence."""
    pending = frames(audio)

    def speak(_heard: np.ndarray) -> np.ndarray:
        return pending.pop(0) if pending else np.zeros(160, np.int16)

    return speak


class Office:
    def __init__(self, root: Path, config: Config) -> None:
        self.services: Messaging = messaging(root, config)
        self.prompts = PromptLibrary()
        self.control = FakeCallControl(self.prompts)
        self.runner = RoutingRunner(
            self.control,
            config,
            prompts=self.prompts,
            voicemail=VoicemailDesk(self.services.voicemail),
        )

    def seconds(self, *prompts: str) -> float:
        return sum(len(self.prompts.get(name, "ru")) for name in prompts) / 8000

    async def call(self, server: SmtpServer, mails: int = 1, **details: Any) -> FakeCall:
        await self.services.start()
        call = self.control.call(caller_number=CALLER, **details)
        await self.runner.handle_inbound(call)
        for _ in range(600):
            if len(server.received) >= mails:
                break
            await aio.sleep(1)
        await self.services.stop()
        return call


def _wav(message: Any) -> tuple[np.ndarray, int]:
    (attachment,) = list(message.iter_attachments())
    return soundfile.read(io.BytesIO(attachment.get_content()), dtype="int16")


def test_a_caller_who_speaks_five_seconds_and_hangs_up_is_mailed_at_the_level_spoken(
    tmp_path: Path,
) -> None:
    spoken = speech_like(5.0)
    with SmtpServer() as server:
        office = Office(tmp_path, _office(server.port, {"box": "sales"}))
        listening_from = office.seconds("voicemail_greeting", "beep")
        call = host.run(
            office.call(server, line_audio=_speaker(spoken), patience_s=listening_from + 5.1),
            virtual=True,
            wall_epoch=EPOCH,
        )
    assert call.heard_names()[:3] == ["voicemail_greeting", "beep", "media_tap"]
    (received,) = server.received
    assert received.recipients == ["sales@office.example"]
    assert received.message["Subject"] == f"Голосовое сообщение от {SUBJECT_AT}"
    audio, rate = _wav(received.message)
    assert rate == 8000 and audio.ndim == 1
    assert abs(len(audio) / rate - 5.0) <= 0.3
    assert abs(20 * np.log10(rms(audio) / rms(spoken))) <= 1.0


def test_hash_ends_the_message_and_the_caller_hears_the_call_end(tmp_path: Path) -> None:
    spoken = speech_like(3.0)
    with SmtpServer() as server:
        office = Office(tmp_path, _office(server.port, {"box": "sales"}))
        call = host.run(
            office.call(
                server, line_audio=_speaker(spoken), presses=[Press("#", "beep", after_s=3.6)]
            ),
            virtual=True,
            wall_epoch=EPOCH,
        )
    assert call.end_reason == EndReason.VOICEMAIL
    audio, _rate = _wav(server.received[0].message)
    assert abs(len(audio) / 8000 - 3.0) <= 0.3


def test_long_silence_ends_the_message_and_is_trimmed(tmp_path: Path) -> None:
    spoken = speech_like(2.0)
    with SmtpServer() as server:
        office = Office(tmp_path, _office(server.port, {"box": "sales"}, silence_end_s=4.0))
        call = host.run(
            office.call(server, line_audio=_speaker(spoken)), virtual=True, wall_epoch=EPOCH
        )
    assert call.end_reason == EndReason.VOICEMAIL  # the system ended it, not the caller
    audio, _rate = _wav(server.received[0].message)
    assert 2.0 <= len(audio) / 8000 <= 2.4  # the 4 s of silence are gone


def test_a_caller_who_hangs_up_in_the_greeting_still_produces_a_mail(tmp_path: Path) -> None:
    with SmtpServer() as server:
        office = Office(tmp_path, _office(server.port, {"box": "sales"}))
        call = host.run(office.call(server, patience_s=2.0), virtual=True, wall_epoch=EPOCH)
    assert "beep" not in call.heard_names()
    (received,) = server.received
    assert received.message["Subject"] == f"Пропущенный звонок от {SUBJECT_AT}: без сообщения"
    assert list(received.message.iter_attachments()) == []


def test_a_full_box_says_so_and_the_mail_still_goes_out(tmp_path: Path) -> None:
    with SmtpServer() as server:
        config = _office(server.port, {"box": "sales"}, total_quota_mb=0.0001)
        office = Office(tmp_path, config)
        call = host.run(office.call(server), virtual=True, wall_epoch=EPOCH)
    assert call.heard_names() == ["voicemail_full", f"hung_up:{EndReason.VOICEMAIL}"]
    (received,) = server.received
    assert "Ящик переполнен" in received.message.get_body(("plain",)).get_content()


def test_the_boxs_own_greeting_of_the_operations_kind_plays_and_a_temporary_one_first(
    tmp_path: Path,
) -> None:
    busy = speech_like(1.0, seed=3)
    away = speech_like(1.2, seed=4)
    with SmtpServer() as server:
        config = _office(server.port, {"box": "sales", "prompt": "voicemail_busy"})
        office = Office(tmp_path, config)

        async def greetings_then_calls() -> tuple[FakeCall, FakeCall]:
            await office.services.start()
            await office.services.voicemail.set_greeting("sales", "busy", busy)
            first = await office.call(server, patience_s=0.5)
            await office.services.start()
            await office.services.voicemail.set_greeting("sales", "temporary", away)
            second = await office.call(server, mails=2, patience_s=0.5)
            return first, second

        first, second = host.run(greetings_then_calls(), virtual=True, wall_epoch=EPOCH)
    np.testing.assert_array_equal(first.audio[0], busy)
    np.testing.assert_array_equal(second.audio[0], away)
