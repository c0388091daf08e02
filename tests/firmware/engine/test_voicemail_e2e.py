"""Voicemail on the simulated appliance with a real SMTP server: what the office receives
for a message and for a caller who hung up in the greeting, and a box opened by phone."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import soundfile

from drivers.sim.receive_filter import ReceiveHighPass
from tests.firmware.engine.test_inbound import run_until
from tests.firmware.engine.test_routed_inbound import (
    WEDNESDAY_EVENING,
    appliance_at,
    routed_config,
)
from tests.firmware.mail.smtp_server import SmtpServer
from tests.firmware.voicemail.audio import speech_like
from voice.level import level_dbm0

BEEP_HZ = 1000.0


def office(server: SmtpServer) -> dict[str, Any]:
    """After hours the default scenario takes a message for the office box."""
    document = routed_config()
    document["email"].update(
        host="127.0.0.1", port=server.port, security="none", from_address="pbx@office.example"
    )
    document["voicemail"] = {
        "boxes": [{"id": "office", "name": "Office", "recipients": ["desk@office.example"]}]
    }
    return document


def wait_for_mail(pbx: Any, server: SmtpServer, count: int = 1) -> None:
    for _ in range(300):
        if len(server.received) >= count:
            return
        pbx.run_for(1)
    raise AssertionError(f"{len(server.received)} of {count} mails arrived")


def digits_only(text: str) -> str:
    return re.sub(r"\D", "", text)


def test_five_seconds_spoken_arrive_as_a_five_second_wav_at_the_level_spoken():
    spoken = speech_like(5.0)
    with SmtpServer() as server:
        document = office(server)
        zone = ZoneInfo(document["system"]["timezone"])
        with appliance_at(WEDNESDAY_EVENING, document) as pbx:
            line = pbx.line(0)
            line.ring("5550100", "SMITH")
            run_until(pbx, line.is_seized, 12)
            run_until(pbx, lambda: line.hears(0.3).frequencies[:1] == (BEEP_HZ,), 20)
            run_until(pbx, lambda: line.level_at(BEEP_HZ, 0.1) < -40, 5)  # the beep is over
            line.say(spoken)
            pbx.run_for(len(spoken) / 8000)
            line.say(None)
            line.hang_up()
            run_until(pbx, lambda: not line.is_seized(), 10)
            wait_for_mail(pbx, server)
            (row,) = pbx.history()
    (mail,) = server.received
    subject = mail.message["Subject"]
    assert "5550100" in digits_only(subject)
    started = dt.datetime.fromtimestamp(row["started_at"], zone)
    assert started.strftime("%H:%M") in subject
    assert any(
        started.strftime(form) in subject for form in ("%Y-%m-%d", "%d.%m.%Y", "%m/%d/%Y")
    ), subject
    (attachment,) = list(mail.message.iter_attachments())
    assert attachment.get_filename().endswith(".wav")
    audio, rate = soundfile.read(io.BytesIO(attachment.get_content()), dtype="int16")
    assert rate == 8000 and audio.ndim == 1
    assert len(audio) / rate == pytest.approx(5.0, abs=0.3)
    # The exchange line's DAA passes speech through its 200 Hz receive high-pass, which
    # takes most of this voice's 120 Hz fundamental off, as any telephone line does.
    through_the_line = ReceiveHighPass().apply(spoken, 200.0)
    assert level_dbm0(audio) == pytest.approx(level_dbm0(through_the_line), abs=1.0)


def test_a_caller_who_hangs_up_in_the_greeting_still_produces_a_mail_without_audio():
    with SmtpServer() as server:
        document = office(server)
        with appliance_at(WEDNESDAY_EVENING, document) as pbx:
            line = pbx.line(0)
            line.ring("5550123")
            run_until(pbx, line.is_seized, 12)
            pbx.run_for(1.5)  # the closed greeting is playing
            line.hang_up()
            run_until(pbx, lambda: not line.is_seized(), 10)
            wait_for_mail(pbx, server)
    (mail,) = server.received
    assert "5550123" in digits_only(mail.message["Subject"])
    assert list(mail.message.iter_attachments()) == []
    body = mail.message.get_body(preferencelist=("plain",)).get_content()
    assert "5550123" in digits_only(body)
    assert re.search(r"\d{1,2}:\d{2}", body)


def leave_message(pbx: Any, line: Any, number: str, tone_hz: float) -> None:
    """An outside caller leaves a 2 s message: a steady tone, told apart when played back."""
    line.ring(number)
    run_until(pbx, line.is_seized, 12)
    run_until(pbx, lambda: line.hears(0.3).frequencies[:1] == (BEEP_HZ,), 20)
    pbx.run_for(0.5)
    line.say(tone_hz, -12)
    pbx.run_for(2.0)
    line.say(None)
    line.hang_up()
    run_until(pbx, lambda: not line.is_seized(), 10)
    pbx.run_for(8)  # the line rests before the next call


def by_phone_config(server: SmtpServer) -> dict[str, Any]:
    """The office's shared box has a number to dial and a PIN."""
    document = office(server)
    document["voicemail"]["boxes"][0].update(id="500", pin="2468")
    return document


def open_box(pbx: Any, phone: Any, pin: str) -> None:
    phone.off_hook()
    pbx.run_for(0.5)
    phone.dial("*98")  # any box: its number, then its PIN
    pbx.run_for(3)
    phone.dial("500#")
    pbx.run_for(3)
    phone.dial(pin + "#")


def test_by_phone_three_wrong_pins_hang_up():
    with SmtpServer() as server, appliance_at(WEDNESDAY_EVENING, by_phone_config(server)) as pbx:
        phone = pbx.phone("101")
        open_box(pbx, phone, "1111")
        for _ in range(2):
            pbx.run_for(3)  # the request for the PIN again
            phone.dial("1111#")
        run_until(pbx, lambda: phone.hears(1.0).tone in ("busy", "congestion"), 30)
        phone.on_hook()
        pbx.run_for(1)


def test_by_phone_the_newest_message_plays_first_and_a_delete_survives_a_restart(tmp_path):
    with SmtpServer() as server:
        document = by_phone_config(server)
        with appliance_at(WEDNESDAY_EVENING, document) as pbx:
            line = pbx.line(0)
            leave_message(pbx, line, "5550101", 600.0)
            leave_message(pbx, line, "5550102", 900.0)
            phone = pbx.phone("101")
            open_box(pbx, phone, "2468")
            pbx.run_for(2)
            phone.dial("1")  # messages
            heard = _first_message_tone(pbx, phone)
            phone.dial("7")  # delete the newest
            pbx.run_for(4)
            phone.on_hook()
            pbx.run_for(2)
            data_dir = pbx.data_dir
            box_after_delete = _messages(pbx)
            pbx._own_data_dir = False  # keep the data for the restart
        assert heard == 900.0  # the newest message first
        assert [m["caller"] for m in box_after_delete] == ["5550101"]
        from firmware.simulator import SimulatedAppliance

        zone = ZoneInfo(document["system"]["timezone"])
        start = WEDNESDAY_EVENING.replace(tzinfo=zone).timestamp() + 3600
        with SimulatedAppliance(data_dir=data_dir, start_epoch=start) as again:
            assert [m["caller"] for m in _messages(again)] == ["5550101"]


def _first_message_tone(pbx: Any, phone: Any) -> float | None:
    """Listen until one of the recorded tones is heard."""
    for _ in range(150):
        pbx.run_for(0.1)
        heard = phone.hears(0.4)
        for frequency in (600.0, 900.0):
            if heard.frequencies == (frequency,) and heard.level_dbm0 > -30:
                return frequency
    return None


def _messages(pbx: Any) -> list[dict[str, Any]]:
    rows = pbx._run(pbx.engine.messaging.voicemail.messages("500"))
    return [{"caller": message.call.caller_number} for message in rows]


def test_a_recorded_call_on_the_hat_holds_both_parties_and_is_found_by_its_history_row():
    from tests.firmware.engine.test_routed_inbound import WEDNESDAY_MORNING

    document = routed_config()
    document["recording"] = {"rules": [{"scope": "employee", "target": "103"}]}
    with appliance_at(WEDNESDAY_MORNING, document) as pbx:
        line, agent = pbx.line(0), pbx.phone("103")
        line.ring("5550100")
        run_until(pbx, line.is_seized, 12)
        pbx.run_for(1.5)
        line.press("2")  # support
        run_until(pbx, agent.is_ringing, 8)
        agent.off_hook()
        pbx.run_for(0.5)
        line.say(700.0, -12)
        agent.say(1100.0, -15)
        pbx.run_for(3.0)
        line.say(None)
        agent.say(None)
        agent.on_hook()
        pbx.run_for(3)
        (row,) = pbx.history()
        (recording,) = pbx._run(pbx.engine.messaging.recordings.for_call(row["call_id"]))
        audio, rate = soundfile.read(pbx.paths.root / recording.file, dtype="int16")
    assert rate == 8000 and 3.5 <= len(audio) / rate <= 5.0  # answer to hang-up
    speech = audio[int(0.8 * rate) : int(3.3 * rate)]  # while both spoke
    from drivers.sim.world.analysis import component_level_dbm0

    assert component_level_dbm0(speech, 700.0) == pytest.approx(-12, abs=1.5)  # the caller
    assert component_level_dbm0(speech, 1100.0) == pytest.approx(-15, abs=1.5)  # the agent
