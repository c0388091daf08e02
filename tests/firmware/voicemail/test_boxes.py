"""The box API the voicemail menus and the voicemail operation use, tested directly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import aio
from aio import host
from firmware.voicemail.boxes import PIN_LOCKOUT_S, UnknownBox
from firmware.voicemail.index import CallInfo
from tests.firmware.mail.smtp_server import free_port
from tests.firmware.voicemail.audio import speech_like
from tests.firmware.voicemail.rig import EPOCH, messaging, office_config, speak_into


def _caller(number: str) -> CallInfo:
    return CallInfo(caller_number=number, call_id=f"call-{number}")


def test_messages_list_newest_first_and_heard_saved_deleted_persist(tmp_path: Path) -> None:
    config = office_config(free_port())
    lamps: list[tuple[str, int]] = []

    async def leave_three() -> None:
        services = messaging(tmp_path, config, on_new_count=lambda *lamp: lamps.append(lamp))
        await services.start()
        for number in ("84951110001", "84951110002", "84951110003"):
            recording = await services.voicemail.record("101", _caller(number))
            assert recording is not None
            await speak_into(recording, speech_like(1.0))
            await services.voicemail.deposit(recording)
            await aio.sleep(60)
        in_progress = await services.voicemail.record("101", _caller("84951110004"))
        assert in_progress is not None
        await speak_into(in_progress, speech_like(2.0))
        listed = await services.voicemail.messages("101")
        assert [m.call.caller_number for m in listed] == [
            "84951110003",
            "84951110002",
            "84951110001",
        ]
        assert (await services.voicemail.status("101")).new == 3
        await services.voicemail.mark_heard(listed[0])
        await services.voicemail.save(listed[1])
        await services.voicemail.delete(listed[2])
        await services.stop()

    async def after_restart() -> None:
        services = messaging(tmp_path, config)
        await services.start()
        listed = await services.voicemail.messages("101")
        numbers = [m.call.caller_number for m in listed]
        # The recording that was still going at the stop is finished as recovered.
        assert numbers == ["84951110004", "84951110003", "84951110002"]
        assert listed[0].recovered and 1.9 <= listed[0].duration_s <= 2.0
        assert [(m.heard, m.saved) for m in listed] == [(False, False), (True, False), (True, True)]
        audio = await services.voicemail.audio(listed[1])
        assert len(audio) == pytest.approx(8000, abs=2400)  # a second, trailing silence trimmed
        await services.stop()

    host.run(leave_three(), virtual=True, wall_epoch=EPOCH)
    assert lamps[:3] == [("101", 1), ("101", 2), ("101", 3)]
    assert lamps[3:] == [("101", 2), ("101", 1), ("101", 0)]
    host.run(after_restart(), virtual=True, wall_epoch=EPOCH + 3600)


def test_greetings_per_kind_replace_the_default_until_deleted(tmp_path: Path) -> None:
    async def main() -> None:
        services = messaging(tmp_path, office_config(free_port()))
        await services.start()
        greeting = speech_like(1.5, seed=7)
        assert await services.voicemail.greeting("sales", "busy") is None
        await services.voicemail.set_greeting("sales", "busy", greeting)
        np.testing.assert_array_equal(await services.voicemail.greeting("sales", "busy"), greeting)
        assert await services.voicemail.greeting("sales", "unavailable") is None
        with pytest.raises(ValueError, match="a greeting is one of unavailable, busy"):
            await services.voicemail.set_greeting("sales", "holiday", greeting)
        with pytest.raises(UnknownBox, match="there is no voicemail box 'nobody'"):
            await services.voicemail.set_greeting("nobody", "busy", greeting)
        await services.voicemail.delete_greeting("sales", "busy")
        assert await services.voicemail.greeting("sales", "busy") is None
        await services.stop()

    host.run(main(), virtual=True, wall_epoch=EPOCH)


def test_wrong_pins_are_counted_across_calls_and_restarts_then_locked_out(
    tmp_path: Path,
) -> None:
    config = office_config(free_port())

    async def main() -> None:
        services = messaging(tmp_path, config)
        await services.start()
        first = await services.voicemail.check_pin("101", "0000")
        assert (first.accepted, first.attempts_left) == (False, 2)
        await services.stop()
        services = messaging(tmp_path, config)  # a restart keeps the count
        await services.start()
        second = await services.voicemail.check_pin("101", "1111")
        third = await services.voicemail.check_pin("101", "2222")
        assert (second.attempts_left, third.attempts_left) == (1, 0)
        locked = await services.voicemail.check_pin("101", "4321")
        assert not locked.accepted, "even the right PIN waits out the lock-out"
        await aio.sleep(PIN_LOCKOUT_S)
        right = await services.voicemail.check_pin("101", "4321")
        assert right.accepted and right.failures == 0
        again = await services.voicemail.check_pin("101", "9999")
        assert again.attempts_left == 2, "a right PIN starts a fresh count"
        await services.stop()

    host.run(main(), virtual=True, wall_epoch=EPOCH)
