"""Message waiting on the simulated appliance: a new message lights the phone's indicator
(the virtual phone decodes the FSK indication sent on-hook) and gives a stutter dial tone;
once no message is new, both go away. Bell 202 in the US, ETSI V.23 in Russia."""

from __future__ import annotations

import numpy as np
import pytest

from firmware.simulator import SimulatedAppliance
from firmware.voicemail.index import CallInfo
from firmware.voicemail.message_waiting import indication_audio
from tests.firmware.engine.fxs_helpers import config, hang_up_detect_s
from tests.firmware.voicemail.audio import speech_like
from tests.firmware.voicemail.rig import speak_into
from voice.callerid.fsk_decoder import FskCallerIdDecoder
from voice.callerid.model import CallerIdStandard

INDICATION_S = 3.0  # on-hook transmission, the pause and the FSK burst


def _leave_message(pbx: SimulatedAppliance) -> None:
    voicemail = pbx.engine.messaging.voicemail

    async def leave() -> None:
        recording = await voicemail.record("101", CallInfo("5551234", call_id="m1"))
        assert recording is not None
        await speak_into(recording, speech_like(1.0))
        await voicemail.deposit(recording)

    pbx._run(leave())


def _hear_messages(pbx: SimulatedAppliance) -> None:
    voicemail = pbx.engine.messaging.voicemail

    async def listen() -> None:
        for message in await voicemail.messages("101"):
            await voicemail.mark_heard(message)

    pbx._run(listen())


def _dial_tone(pbx: SimulatedAppliance, country: str) -> str | None:
    phone = pbx.phone("101")
    phone.off_hook()
    pbx.run_for(1.5)
    tone = phone.hears(1.4).tone
    phone.on_hook()
    pbx.run_for(hang_up_detect_s(country) + 0.5)
    return tone


@pytest.mark.parametrize("country", ["US", "RU"])
def test_a_new_message_lights_the_indicator_and_stutters_the_dial_tone_until_heard(
    country: str,
) -> None:
    document = config(country)
    document["voicemail"] = {"boxes": [{"id": "101", "owner": "101"}]}
    with SimulatedAppliance(document) as pbx:
        phone = pbx.phone("101").virtual
        assert not phone.message_waiting
        _leave_message(pbx)
        pbx.run_for(INDICATION_S)
        assert phone.message_waiting, "the FSK indication reached the on-hook phone"
        assert _dial_tone(pbx, country) == "special_dial"
        document["system"]["name"] = "Renamed office"
        pbx.save_config(document)  # a config change keeps the indication
        assert _dial_tone(pbx, country) == "special_dial"
        _hear_messages(pbx)
        pbx.run_for(INDICATION_S)
        assert not phone.message_waiting
        assert _dial_tone(pbx, country) == "dial"


@pytest.mark.parametrize(
    ("country", "standard"), [("US", CallerIdStandard.BELL202), ("DE", CallerIdStandard.ETSI_FSK)]
)
def test_the_indication_is_the_countrys_message_waiting_message(
    country: str, standard: CallerIdStandard
) -> None:
    for waiting in (True, False):
        audio = indication_audio(waiting, country)
        decoder = FskCallerIdDecoder(standard)
        results = decoder.feed(np.concatenate((audio, np.zeros(4000, np.int16))))
        (result,) = [r for r in results if r.ok]
        assert result.caller_id is not None
        assert result.caller_id.message_waiting is waiting
