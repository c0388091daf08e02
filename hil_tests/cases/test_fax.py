"""Fax-tone detection: a fax machine calling in on each FXO port is greeted like any caller
and sends its calling tone (CNG), from the moment the line is answered or, sent by hand,
once the greeting has played and the menu waits for a key; the unit moves the call to fax
reception, which answers as a fax does: the 2100 Hz answer tone (CED) for 2.6 to 4 s
(T.30)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from hil_tests.cases.conftest import FXO, Measured, port_of
from hil_tests.rig import Rig, RigTimeout, measure
from hil_tests.rig.sim import MENU_CALLERS

FAX_NUMBER = MENU_CALLERS + "329"  # the acceptance setup greets these callers with a menu
CALLING_TONE_DBM0 = -15  # a fax machine's usual sending level
ANSWER_TONE_HZ = 2100
LISTEN_S = 10.0  # from the first calling tone: two of its periods and a whole answer tone
# When the fax starts calling after the answer: at once, or by hand after the greeting's
# prompt (6.9 s), while the menu waits for a key.
STARTS = [pytest.param(0.0, id="at_answer"), pytest.param(8.0, id="after_greeting")]
MIN_ANSWER_TONE_S = 1.0  # longer than any 2100 Hz stretch in speech


@pytest.mark.parametrize("starts_s", STARTS)
@pytest.mark.parametrize("index", FXO)
def test_fax_calling_tone_moves_the_call_to_fax_reception(
    rig: Rig, index: int, starts_s: float, limits: dict[str, Any], measured: Measured
) -> None:
    spec = limits["fax"]
    port = f"fxo{index}"
    line = port_of(rig, "fxo", index)
    line.ring(FAX_NUMBER, standard=limits["caller_id"]["standards"][0])
    try:
        line.wait_seized(timeout_s=15)  # the greeting menu answers
    except RigTimeout as error:
        line.disconnect()
        pytest.fail(f"{port}: the unit did not answer a fax machine's call ({error})")
    quiet = np.zeros(round(starts_s * measure.SAMPLE_RATE_HZ), np.int16)
    calling = measure.fax_calling_tone(LISTEN_S, CALLING_TONE_DBM0)
    played = np.concatenate([quiet, calling])
    heard = line.record(starts_s + LISTEN_S, source=line, samples=played)[len(quiet) :]
    line.disconnect()
    answer = measure.steady_tone(heard, ANSWER_TONE_HZ, min_s=MIN_ANSWER_TONE_S)
    if answer is None:
        pytest.fail(
            f"{port}: no fax answer tone ({ANSWER_TONE_HZ} Hz) after a calling tone that began "
            f"{starts_s:g} s after the answer"
        )
    start_s, length_s = answer
    measured("answer tone after the calling tone began", start_s, spec["answer_tone_s"], "s", port)
    measured("answer tone length", length_s, spec["answer_tone_length_s"], "s", port)
    begin = round(start_s * measure.SAMPLE_RATE_HZ)
    tone = heard[begin : begin + round(length_s * measure.SAMPLE_RATE_HZ)]
    (frequency,) = measure.dominant_hz(tone)
    measured("answer tone frequency", frequency, spec["answer_tone_hz"], "Hz", port)
