"""Voicemail by phone, driven through call control's verbs (the routing tests' fake call
control): the keys a user presses when they hear a prompt, what they hear back, and what
stays in the box afterwards (also across a restart)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import aio
from aio import host
from firmware.routing.prompts import PromptLibrary
from firmware.routing.runner import RoutingRunner
from firmware.verbs import EndReason
from firmware.voicemail.desk import VoicemailDesk
from firmware.voicemail.index import CallInfo
from firmware.voicemail.messaging import Messaging
from tests.firmware.mail.smtp_server import free_port
from tests.firmware.routing.conftest import spoken_prompts  # noqa: F401  (generates prompts)
from tests.firmware.routing.fake_control import FakeCall, FakeCallControl, Person, Press
from tests.firmware.voicemail.audio import frames, speech_like
from tests.firmware.voicemail.rig import EPOCH, messaging, office_config, speak_into

CALLERS = ("84951110001", "84951110002", "84951110003")


class Office:
    """Messaging with its boxes, and the routing runner on a fake call control."""

    def __init__(self, root: Path, crowd: dict[str, Person] | None = None) -> None:
        self.config = office_config(free_port())
        self.lamps: list[tuple[str, int]] = []
        self.services: Messaging = messaging(
            root, self.config, on_new_count=lambda *lamp: self.lamps.append(lamp)
        )
        self.prompts = PromptLibrary()
        self.control = FakeCallControl(self.prompts, crowd or {})
        self.runner = RoutingRunner(
            self.control,
            self.config,
            prompts=self.prompts,
            voicemail=VoicemailDesk(self.services.voicemail),
        )

    async def start(self) -> None:
        await self.services.start()

    async def leave_messages(self, box: str = "101") -> list[np.ndarray]:
        """Three messages a minute apart; returns what each caller said, oldest first."""
        said = []
        for number, seed in zip(CALLERS, (11, 12, 13), strict=True):
            recording = await self.services.voicemail.record(box, CallInfo(number, call_id=number))
            assert recording is not None
            audio = speech_like(1.0, seed=seed, level_rms=2000 + 500 * seed % 3)
            await speak_into(recording, audio)
            await self.services.voicemail.deposit(recording)
            said.append(audio)
            await aio.sleep(60)
        return said

    async def dial(self, extension: str, code: str, presses: list[Press], **details) -> FakeCall:  # type: ignore[no-untyped-def]
        call = self.control.call(caller_number=extension, line="", presses=presses, **details)
        assert self.runner.is_voicemail_code(code)
        await self.runner.handle_voicemail_code(call, extension, code)
        return call


def _messages_heard(call: FakeCall, said: list[np.ndarray]) -> list[int]:
    """Which of the spoken messages the user heard, in order (by their samples)."""
    heard = []
    for audio in call.audio:
        for number, message in enumerate(said):
            if len(audio) >= len(message) and np.array_equal(audio[: len(message)], message):
                heard.append(number)
    return heard


def test_three_wrong_pins_hang_up_and_the_box_stays_closed(tmp_path: Path) -> None:
    office = Office(tmp_path)

    async def main() -> FakeCall:
        await office.start()
        await office.leave_messages()
        call = await office.dial(
            "102",
            "*98",
            [
                Press("101#", prompt="voicemail_enter_box"),
                Press("1111#", prompt="enter_pin"),
                Press("2222#", prompt="enter_pin"),
                Press("3333#", prompt="enter_pin"),
                Press("4321#", prompt="enter_pin"),  # the right one, too late
            ],
        )
        await office.services.stop()
        return call

    call = host.run(main(), virtual=True, wall_epoch=EPOCH)
    names = call.heard_names()
    assert names.count("pin_wrong") == 3
    assert names.count("enter_pin") == 3
    assert "voicemail_main_menu" not in names
    assert names[-2:] == ["goodbye", f"hung_up:{EndReason.ROUTED_AWAY}"]
    assert call.audio[-1] is office.prompts.get("goodbye", "ru")  # the box's language


def test_the_right_pin_plays_messages_newest_first_and_a_delete_survives_a_restart(
    tmp_path: Path,
) -> None:
    office = Office(tmp_path)

    async def listen() -> tuple[FakeCall, list[np.ndarray]]:
        await office.start()
        said = await office.leave_messages()
        call = await office.dial(
            "102",
            "*98",
            [
                Press("101#", prompt="voicemail_enter_box"),
                Press("4321#", prompt="enter_pin"),
                Press("1", prompt="voicemail_main_menu"),
                Press("7", prompt="voicemail_message_menu"),  # newest: delete
                Press("9", prompt="voicemail_message_menu"),  # next: save
                Press("6", prompt="voicemail_message_menu"),  # oldest: on to the end
                Press("*", prompt="voicemail_main_menu"),
            ],
        )
        await office.services.stop()
        return call, said

    call, said = host.run(listen(), virtual=True, wall_epoch=EPOCH)
    names = call.heard_names()
    assert "voicemail_new_count" in names and "digit_3" in names
    assert _messages_heard(call, said) == [2, 1, 0]  # newest first
    assert names.index("voicemail_deleted") < names.index("voicemail_saved")
    assert names[-2:] == ["goodbye", f"hung_up:{EndReason.COMPLETED}"]
    # Every message heard: the owner's lamp goes out.
    assert office.lamps[-1] == ("101", 0)

    async def after_restart() -> list[tuple[str, bool, bool]]:
        services = messaging(tmp_path, office.config)
        await services.start()
        listed = await services.voicemail.messages("101")
        await services.stop()
        return [(m.call.caller_number, m.heard, m.saved) for m in listed]

    kept = host.run(after_restart(), virtual=True, wall_epoch=EPOCH + 3600)
    assert kept == [(CALLERS[1], True, True), (CALLERS[0], True, False)]


def test_the_owner_on_their_own_phone_is_not_asked_for_the_pin(tmp_path: Path) -> None:
    office = Office(tmp_path)

    async def main() -> FakeCall:
        await office.start()
        return await office.dial("101", "*97", [Press("#", prompt="voicemail_main_menu")])

    call = host.run(main(), virtual=True, wall_epoch=EPOCH)
    names = call.heard_names()
    assert "enter_pin" not in names
    assert names[:2] == ["voicemail_no_new", "voicemail_main_menu"]
    assert call.end_reason == EndReason.COMPLETED


def test_an_extension_without_a_box_hears_so(tmp_path: Path) -> None:
    office = Office(tmp_path)

    async def main() -> FakeCall:
        await office.start()
        return await office.dial("102", "*97", [])

    call = host.run(main(), virtual=True, wall_epoch=EPOCH)
    assert call.heard_names() == [
        "voicemail_no_box",
        f"hung_up:{EndReason.INVALID_NUMBER}",
    ]


def test_call_back_rings_the_caller_of_the_message(tmp_path: Path) -> None:
    office = Office(tmp_path, crowd={CALLERS[2]: Person(answers_after_s=4.0, talks_s=30)})

    async def main() -> FakeCall:
        await office.start()
        await office.leave_messages()
        return await office.dial(
            "101",
            "*97",
            [
                Press("1", prompt="voicemail_main_menu"),
                Press("3", prompt="voicemail_message_menu"),
            ],
        )

    call = host.run(main(), virtual=True, wall_epoch=EPOCH)
    assert "voicemail_calling_back" in call.heard_names()
    assert call.answered_by == CALLERS[2]


def test_a_greeting_recorded_by_phone_is_kept_as_spoken(tmp_path: Path) -> None:
    office = Office(tmp_path)
    spoken = speech_like(2.0, seed=5)
    pending = frames(spoken)

    def speaker(_heard: np.ndarray) -> np.ndarray:
        return pending.pop(0) if pending else np.zeros(160, np.int16)

    async def main() -> tuple[FakeCall, np.ndarray | None]:
        await office.start()
        call = await office.dial(
            "101",
            "*97",
            [
                Press("0", prompt="voicemail_main_menu"),
                Press("1", prompt="voicemail_greetings_menu"),
                Press("#", prompt="beep", after_s=2.8),
                Press("1", prompt="voicemail_greeting_review"),
                Press("*", prompt="voicemail_greetings_menu"),
                Press("*", prompt="voicemail_main_menu"),
            ],
            line_audio=speaker,
        )
        return call, await office.services.voicemail.greeting("101", "unavailable")

    call, kept = host.run(main(), virtual=True, wall_epoch=EPOCH)
    assert "voicemail_greeting_saved" in call.heard_names()
    assert kept is not None
    assert abs(len(kept) - len(spoken)) <= 0.3 * 8000
    start = int(np.argmax(np.abs(kept) > 0))  # the tap starts hearing at the tone's end
    np.testing.assert_array_equal(kept[start : start + 8000], spoken[:8000])


def test_star_during_the_greeting_opens_the_box_after_the_pin(tmp_path: Path) -> None:
    from tests.firmware.routing.conftest import scenario
    from tests.firmware.voicemail.rig import office_config as base

    document = base(free_port()).model_dump(mode="json")
    document["routing"] = scenario({"first": {"type": "voicemail", "box": "101"}})
    office = Office(tmp_path)
    office.config = type(office.config).model_validate(document)
    office.runner.apply(office.config)

    async def main() -> FakeCall:
        await office.start()
        said = await office.leave_messages()
        assert said
        call = office.control.call(
            presses=[
                Press("*", prompt="voicemail_greeting"),
                Press("4321#", prompt="enter_pin"),
                Press("#", prompt="voicemail_main_menu"),
            ]
        )
        await office.runner.handle_inbound(call)
        return call

    call = host.run(main(), virtual=True, wall_epoch=EPOCH)
    names = call.heard_names()
    assert names[:3] == ["voicemail_greeting", "enter_pin", "voicemail_new_count"]
    assert "beep" not in names
    assert call.end_reason == EndReason.COMPLETED
