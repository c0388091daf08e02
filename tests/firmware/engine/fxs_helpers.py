"""Shared steps for the FXS call-feature tests: an appliance, calls set up as users make them,
and recognising audio (hold music, announcements) by correlating with the source files."""

from __future__ import annotations

import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from firmware.config.defaults import default_config
from firmware.countries import load_country
from firmware.simulator import Phone, SimulatedAppliance

VOICE_DIR = Path(__file__).resolve().parents[3] / "voice" / "prompts"
SETTLE_S = 0.3  # lets an answer or a flash take effect before the next step


def config(country: str = "US", **dialplan: Any) -> dict[str, Any]:
    """The default configuration (4 phones 101-104, 2 lines) in `country`, with both lines
    ringing 101 straight away (a line's own list of extensions, the way before scenarios;
    the scenario path has tests of its own)."""
    document = default_config().model_dump(mode="json")
    for port in document["hat"]["ports"]:
        if port["kind"] == "fxo":
            port["inbound"] = ["101"]
    document["system"]["country"] = country
    document["dialplan"].update(dialplan)
    return document


def appliance(country: str = "US", document: dict[str, Any] | None = None) -> SimulatedAppliance:
    return SimulatedAppliance(document if document is not None else config(country))


def wall(pbx: SimulatedAppliance) -> float:
    """The appliance's wall clock now (virtual), as the history records times."""
    return pbx.loop.wall_epoch + pbx.loop.time()


def hang_up_detect_s(country: str) -> float:
    """How long a hang-up takes to be told from a hook flash: the flash window's end."""
    return load_country(country).hook.flash_ms[1] / 1000


def call(pbx: SimulatedAppliance, caller: str, callee: str) -> tuple[Phone, Phone]:
    """`caller` lifts the handset, dials `callee` in DTMF and `callee` answers."""
    a, b = pbx.phone(caller), pbx.phone(callee)
    a.off_hook()
    pbx.run_for(0.5)
    a.dial(callee)
    pbx.run_for(0.5)
    assert b.is_ringing() or b.virtual.ring_log, f"{callee} never rang"
    b.off_hook()
    pbx.run_for(SETTLE_S)
    return a, b


def consult(pbx: SimulatedAppliance, phone: Phone, number: str) -> None:
    """Flash, wait for the new dial tone and dial `number` (a consultation call)."""
    phone.flash()
    pbx.run_for(0.5)
    phone.dial(number)
    pbx.run_for(0.5)


def hears_from(
    pbx: SimulatedAppliance, speaker: Phone, listener: Phone, frequency_hz: float
) -> float:
    """Level (dBm0) at `listener` of a tone `speaker` says for a second."""
    speaker.say(frequency_hz, -10)
    pbx.run_for(0.6)
    level = listener.level_at(frequency_hz, 0.4)
    speaker.say(None)
    pbx.run_for(0.1)
    return level


def _wav(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as reader:
        return np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2").astype(float)


def hold_music() -> np.ndarray:
    return _wav(VOICE_DIR / "music" / "hold.wav")


def announcement(name: str, language: str = "en") -> np.ndarray:
    return _wav(VOICE_DIR / language / f"{name}.wav")


def similarity(heard: np.ndarray, source: np.ndarray) -> float:
    """Best normalised correlation of `heard` against any stretch of `source` (1.0 = the
    same samples, G.711 leaves about 0.99)."""
    heard = np.asarray(heard, dtype=float)
    if len(heard) == 0 or not np.any(heard) or len(source) < len(heard):
        return 0.0
    size = 1 << int(np.ceil(np.log2(len(source) + len(heard))))
    cross = np.fft.irfft(np.fft.rfft(source, size) * np.conj(np.fft.rfft(heard, size)), size)
    energy = np.concatenate(([0.0], np.cumsum(source * source)))
    count = len(heard)
    windows = energy[count:] - energy[:-count]
    scores = cross[: len(windows)] / (np.sqrt(np.maximum(windows, 1e-9)) * np.linalg.norm(heard))
    return float(scores.max())


class InternalCall:
    """What a user notices of one call from 101 to 102, start to finish."""

    def __init__(self, country: str, dialling: str) -> None:
        self.country = country
        profile = load_country(country)
        with appliance(country) as pbx:
            a, b = pbx.phone("101"), pbx.phone("102")
            a.off_hook()
            pbx.run_for(1.0)
            self.dial_tone = a.hears(0.8)
            self.dial_tone_levels = [
                a.level_at(frequency, 0.8) for frequency in profile.tones["dial"].frequencies
            ]
            if dialling == "pulse":
                a.dial_pulse("102")
            else:
                a.dial("102")
            self.dialled_at = wall(pbx)
            ring_cycle_s = sum(profile.ringing.cadences_ms.internal) / 1000
            pbx.run_for(ring_cycle_s + 3.0)
            self.ringback = a.hears(ring_cycle_s + 2.0)
            self.ring_cadence_ms = b.virtual.ring_cadence_ms()
            self.caller_id = b.caller_id()
            b.off_hook()
            self.answered_at = wall(pbx)
            pbx.run_for(0.5)
            self.delay_s = {}
            self.level_dbm0 = {}
            for name, speaker, listener in (("101→102", a, b), ("102→101", b, a)):
                start = pbx.loop.time()
                speaker.say(1000, -10)
                pbx.run_for(0.6)
                heard = listener.virtual.first_heard(1000, start)
                self.delay_s[name] = None if heard is None else heard - start
                self.level_dbm0[name] = listener.level_at(1000, 0.4)
                speaker.say(None)
                pbx.run_for(0.2)
            a.on_hook()
            self.hung_up_at = wall(pbx)
            pbx.run_for(hang_up_detect_s(country) + 2.2)
            self.callee_hears_after = b.hears(2.0)
            b.on_hook()
            pbx.run_for(0.5)
            self.history = pbx.history()


def check_internal_call(seen: InternalCall) -> None:
    """Assert everything the issue lists for an internal call."""
    profile = load_country(seen.country)
    dial = profile.tones["dial"]
    assert seen.dial_tone.tone == "dial"
    assert sorted(seen.dial_tone.frequencies) == pytest.approx(sorted(dial.frequencies), abs=2)
    assert seen.dial_tone_levels == pytest.approx([dial.level_dbm0] * len(dial.frequencies), abs=1)

    assert seen.ringback.tone == "ringback"
    assert seen.ring_cadence_ms[:4] == pytest.approx(
        list(profile.ringing.cadences_ms.internal)[:4], abs=30
    )
    assert seen.caller_id is not None and seen.caller_id.number == "101"

    for direction in ("101→102", "102→101"):
        delay = seen.delay_s[direction]
        assert delay is not None and delay < 0.060, f"{direction}: {delay}"
        assert seen.level_dbm0[direction] == pytest.approx(-10, abs=1), direction

    assert seen.callee_hears_after.tone == "busy"

    (row,) = seen.history
    assert (row["direction"], row["from_number"], row["to_number"]) == ("internal", "101", "102")
    assert seen.dialled_at - 1.0 <= row["started_at"] <= seen.dialled_at
    assert 0 <= row["answered_at"] - seen.answered_at <= 0.1
    ended_after = row["ended_at"] - seen.hung_up_at
    assert 0 <= ended_after <= hang_up_detect_s(seen.country) + 0.1
    assert row["ring_s"] == pytest.approx(row["answered_at"] - row["started_at"], abs=1e-3)
    assert row["talk_s"] == pytest.approx(row["ended_at"] - row["answered_at"], abs=1e-3)
    assert (row["end_reason"], row["hung_up_by"]) == ("completed", "caller")
    legs = {leg["party"]: leg for leg in row["legs"]}
    assert (legs["101"]["role"], legs["102"]["role"]) == ("caller", "callee")
    assert legs["102"]["answered_at"] == pytest.approx(row["answered_at"])
