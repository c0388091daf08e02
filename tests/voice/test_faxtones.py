"""Fax and modem tones: CNG, ANS, ANSam and their phase-reversed forms, built here in numpy."""

from __future__ import annotations

import numpy as np
import pytest

from tests.voice import material
from tests.voice.signals import ZERO_DBM0_PEAK, samples, to_int16, with_noise
from voice import g711
from voice.faxtones import FaxToneDetector, FaxToneEvent

LEAD_MS = 300


def at_level(signal: np.ndarray, dbm0: float) -> np.ndarray:
    """Scale a unit-power tone so its mean power is `dbm0`."""
    return signal / np.sqrt(np.mean(signal**2)) * ZERO_DBM0_PEAK / np.sqrt(2) * 10 ** (dbm0 / 20)


def cng(level: float, frequency: float = 1100.0, on_ms: float = 500, bursts: int = 2):
    t = np.arange(samples(on_ms)) / 8000
    burst = at_level(np.sin(2 * np.pi * frequency * t), level)
    parts = [np.zeros(samples(LEAD_MS))]
    for _ in range(bursts):
        parts += [burst, np.zeros(samples(3000))]
    return np.concatenate(parts)


def answer_tone(
    level: float,
    frequency: float = 2100.0,
    modulated: bool = False,
    reversals: bool = False,
    ms: float = 3300,
):
    """ANS (2100 Hz), ANSam (15 Hz AM at 20 %), with phase reversals every 450 ms if asked."""
    t = np.arange(samples(ms)) / 8000
    phase = 2 * np.pi * frequency * t + (np.pi * (np.floor(t / 0.45) % 2) if reversals else 0)
    envelope = 1 + 0.2 * np.sin(2 * np.pi * 15 * t) if modulated else 1.0
    tone = at_level(envelope * np.sin(phase), level)
    return np.concatenate([np.zeros(samples(LEAD_MS)), tone, np.zeros(samples(1000))])


def detect(audio: np.ndarray, law: str | None = "alaw", block: int = 160) -> list[FaxToneEvent]:
    heard = to_int16(audio) if law is None else g711.through(to_int16(audio), law)
    detector = FaxToneDetector()
    events = []
    for index in range(0, heard.size, block):
        events += detector.feed(heard[index : index + block])
    return events + detector.flush()


def active(events: list[FaxToneEvent]) -> list[tuple[str, bool]]:
    return [(event.tone, event.phase_reversals) for event in events if event.active]


@pytest.mark.parametrize("law", [None, "alaw", "ulaw"])
def test_cng_is_detected_at_minus_43_and_rejected_at_minus_44_dbm0(law):
    events = detect(cng(-43.0), law)
    assert active(events) == [("cng", False), ("cng", False)]
    assert events[0].level_dbm0 == pytest.approx(-43.0, abs=0.15)
    assert events[0].sample == pytest.approx(samples(LEAD_MS), abs=samples(10))
    assert detect(cng(-44.0), law) == []


@pytest.mark.parametrize("offset", [-38.0, 0.0, 38.0])
def test_cng_within_38_hz_is_detected(offset):
    events = detect(cng(-20.0, 1100 + offset))
    assert active(events) == [("cng", False), ("cng", False)]
    assert events[0].frequency_hz == pytest.approx(1100 + offset, abs=1)


@pytest.mark.parametrize("offset", [-60.0, 60.0, -100.0])
def test_tones_well_away_from_1100_hz_are_not_cng(offset):
    assert detect(cng(-20.0, 1100 + offset)) == []


@pytest.mark.parametrize(("on_ms", "expected"), [(350, 0), (430, 2), (570, 2), (700, 0), (1500, 0)])
def test_cng_bursts_must_last_half_a_second_within_15_percent(on_ms, expected):
    assert len(active(detect(cng(-20.0, on_ms=on_ms)))) == expected


ANSWER_KINDS = [
    (False, False, ("ans", False)),
    (True, False, ("ansam", False)),
    (False, True, ("ans", True)),
    (True, True, ("ansam", True)),
]


@pytest.mark.parametrize(("modulated", "reversals", "final"), ANSWER_KINDS)
@pytest.mark.parametrize("law", [None, "alaw", "ulaw"])
def test_answer_tones_are_told_apart_down_to_minus_43_dbm0(modulated, reversals, final, law):
    events = detect(answer_tone(-43.0, modulated=modulated, reversals=reversals), law)
    described = active(events)
    assert described[-1] == final
    assert described[0] == (final[0], False)  # the tone itself first, reversals when seen
    assert events[0].sample == pytest.approx(samples(LEAD_MS), abs=samples(10))
    assert events[0].level_dbm0 == pytest.approx(-43.0, abs=0.15)
    # It is recognised within half a second; reversals show at the first one (450 ms in).
    assert events[0].detected_sample - samples(LEAD_MS) <= samples(500)
    if reversals:
        assert events[1].detected_sample - samples(LEAD_MS) <= samples(450 + 100)
    ended = [event for event in events if not event.active]
    assert len(ended) == 1
    assert ended[0].sample == pytest.approx(samples(LEAD_MS + 3300), abs=samples(10))


@pytest.mark.parametrize(("modulated", "reversals", "final"), ANSWER_KINDS)
def test_answer_tones_at_minus_44_dbm0_are_rejected(modulated, reversals, final):
    assert detect(answer_tone(-44.0, modulated=modulated, reversals=reversals)) == []


@pytest.mark.parametrize("offset", [-15.0, 15.0])
def test_answer_tone_within_15_hz_is_detected(offset):
    events = detect(answer_tone(-20.0, 2100 + offset, reversals=True))
    assert active(events)[-1] == ("ans", True)
    assert events[0].frequency_hz == pytest.approx(2100 + offset, abs=1)


@pytest.mark.parametrize("offset", [-30.0, 30.0, -80.0])
def test_tones_well_away_from_2100_hz_are_not_answer_tones(offset):
    assert detect(answer_tone(-20.0, 2100 + offset)) == []


def test_answer_tone_in_line_noise_is_still_seen_with_its_reversals():
    tone = answer_tone(-30.0, modulated=True, reversals=True)
    noisy = with_noise(tone, 20.0, (ZERO_DBM0_PEAK**2 / 2) * 10 ** (-30 / 10))
    assert active(detect(noisy))[-1] == ("ansam", True)


def test_detection_does_not_depend_on_block_size():
    audio = np.concatenate([cng(-30.0, bursts=1), answer_tone(-25.0, reversals=True)])
    results = [detect(audio, "ulaw", block) for block in (13, 160, 800, 9000)]
    assert all(events == results[0] for events in results)
    assert active(results[0]) == [("cng", False), ("ans", False), ("ans", True)]


@pytest.fixture(scope="module")
def speech(tmp_path_factory):
    return material.speech(tmp_path_factory.mktemp("speech"))


def test_speech_and_music_are_not_taken_for_fax_tones(speech):
    for signal in (speech, material.music(60.0), material.music(60.0, "reno_project-system")):
        for level in (-25, -15, -5):
            assert detect(material.scaled_to(signal, level), "alaw", 8000) == []
