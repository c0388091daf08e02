"""A voicemail call: a caller nobody answers leaves a message, and the office receives it by
mail with the recording attached, at the length and level it was spoken."""

from __future__ import annotations

import io
import wave
from typing import Any

import numpy as np
import pytest

from hil_tests.cases.conftest import Measured
from hil_tests.cases.helpers import extension_of
from hil_tests.rig import Rig, measure
from hil_tests.rig.sim import VOICEMAIL_AFTER_S

GREETING_S = 12.0  # the unit's greeting and beep, with room to spare
MESSAGE_HZ = 1004
MESSAGE_DBM0 = -10
MESSAGE_S = 3.0
FRAME = 160  # 20 ms: the message is judged frame by frame for the spoken tone
MAIL_WAIT_S = 60  # real seconds: the mail crosses a real socket


def _attached_wav(mail: Any) -> np.ndarray:
    for part in mail.iter_attachments():
        if (part.get_filename() or "").endswith(".wav"):
            with wave.open(io.BytesIO(part.get_content())) as recording:
                if recording.getsampwidth() != 2 or recording.getframerate() != 8000:
                    pytest.fail(f"the voicemail is not 16-bit 8 kHz audio: {recording.getparams()}")
                frames = recording.readframes(recording.getnframes())
            return np.frombuffer(frames, dtype="<i2").astype(np.int16)
    pytest.fail(f"the voicemail mail {mail['Subject']!r} has no WAV attached")


def test_unanswered_call_leaves_a_message_that_arrives_by_mail(
    rig: Rig, limits: dict[str, Any], measured: Measured
) -> None:
    mailbox = getattr(rig, "mailbox", None)
    if mailbox is None:
        pytest.skip(f"the {rig.name} rig has no mailbox for the unit to mail to")
    called_index = len(rig.fxs) - 1  # the acceptance setup gives the last extension a box
    caller, called = rig.fxs[0], rig.fxs[called_index]
    before = len(mailbox.received())
    caller.off_hook()
    caller.wait_tone("dial", timeout_s=2)
    caller.dial(extension_of(called_index))
    called.wait_ringing(timeout_s=5)
    rig.idle(VOICEMAIL_AFTER_S)  # nobody answers: the unit takes a message
    rig.idle(GREETING_S)
    caller.play(measure.sine(MESSAGE_HZ, MESSAGE_S, MESSAGE_DBM0))
    rig.idle(MESSAGE_S)
    caller.on_hook()
    if not mailbox.wait_for(before + 1, MAIL_WAIT_S):
        pytest.fail(f"fxs{called_index}: no voicemail mail within {MAIL_WAIT_S} s")
    mail = mailbox.received()[before]
    assert extension_of(0) in str(mail["Subject"]), (
        f"the mail does not name the caller: {mail['Subject']}"
    )
    recording = _attached_wav(mail)
    spec = limits["voicemail"]
    port = f"fxs{called_index}"
    frames = recording[: len(recording) // FRAME * FRAME].reshape(-1, FRAME)
    tone = [f for f in frames if measure.component_dbm0(f, MESSAGE_HZ) > MESSAGE_DBM0 - 10]
    heard_s = len(tone) * FRAME / measure.SAMPLE_RATE_HZ
    measured(f"{MESSAGE_S:g} s spoken, kept in the message", heard_s, spec["message_s"], "s", port)
    level = measure.component_dbm0(np.concatenate(tone), MESSAGE_HZ) if tone else None
    measured(
        f"message level of a {MESSAGE_DBM0} dBm0 tone", level, spec["level_dbm0"], "dBm0", port
    )
