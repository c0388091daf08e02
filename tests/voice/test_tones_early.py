"""Early recognition of busy and congestion (one cadence cycle with a quiet pause), as an
exchange line uses it to notice a far-end hang-up within a second."""

from __future__ import annotations

import numpy as np
import pytest

from firmware.countries import available_countries, load_country
from tests.voice import material
from tests.voice.signals import peak, samples, to_int16, with_noise
from tests.voice.test_tones import recognised, sounding
from voice import g711
from voice.tones import CallProgressDetector, ToneEvent

COUNTRIES = available_countries()
EARLY = ("busy", "congestion")
LEAD_MS = 400
DECISION_SLACK_MS = 70  # the analysis window's half and the 10 ms ticks
AMBIGUOUS = {"GB"}  # GB congestion opens with a burst and pause that busy also allows


def detect(
    country: str, audio: np.ndarray, block: int = 160, early: tuple[str, ...] = EARLY
) -> list[ToneEvent]:
    profile = load_country(country)
    detector = CallProgressDetector(profile.tones, early=early, batch_samples=block)
    heard = g711.through(to_int16(audio), profile.g711_law)
    events = []
    for index in range(0, heard.size, block):
        events += detector.feed(heard[index : index + block])
    return events + detector.flush()


def first_recognised(events: list[ToneEvent]) -> ToneEvent:
    return next(event for event in events if event.detected)


def one_cycle_ms(cadence_ms, timing_error: float) -> float:
    """When a decision after the first burst and an early pause can be due at the latest."""
    burst, pause = cadence_ms[0], cadence_ms[1]
    shortest_pause = min(pause * 0.9 - 40, 300)
    return burst * (1 + timing_error) + shortest_pause + DECISION_SLACK_MS


@pytest.mark.parametrize("country", COUNTRIES)
@pytest.mark.parametrize("name", EARLY)
@pytest.mark.parametrize("level", [0, -20, -40])
def test_busy_and_congestion_are_recognised_within_one_cycle(country, name, level):
    spec = load_country(country).tones[name]
    for seed, (frequency_error, timing_error) in enumerate(
        [(0.0, 0.0), (0.02, 0.1), (-0.02, -0.1)]
    ):
        total_ms = LEAD_MS + 3 * sum(spec.cadence_ms)
        audio = sounding(spec, level, total_ms, frequency_error, timing_error, seed=seed)
        events = detect(country, audio)
        first = first_recognised(events)
        took_ms = first.detected_ms - LEAD_MS
        assert took_ms <= one_cycle_ms(spec.cadence_ms, timing_error), (
            frequency_error,
            timing_error,
        )
        assert first.time_ms == pytest.approx(LEAD_MS, abs=25)
        if country in AMBIGUOUS:
            assert first.tone in EARLY and name in recognised(events)
        else:
            assert recognised(events) == [name]


def test_us_busy_is_known_before_its_second_burst():
    spec = load_country("US").tones["busy"]
    events = detect("US", sounding(spec, -24, 3000, 0.0, 0.0))
    assert recognised(events) == ["busy"]
    assert first_recognised(events).detected_ms - LEAD_MS < 500 + 500


def test_without_early_recognition_busy_still_takes_two_cycles():
    spec = load_country("US").tones["busy"]
    events = detect("US", sounding(spec, -24, 3400, 0.0, 0.0), early=())
    assert first_recognised(events).detected_ms - LEAD_MS >= 2 * sum(spec.cadence_ms) - 100


def test_a_pause_filled_with_sound_is_not_a_busy_pause():
    """A burst of the right length followed by talk: wait for the full pattern."""
    spec = load_country("RU").tones["busy"]
    burst = sounding(spec, -10, LEAD_MS + 350, 0.0, 0.0)
    talk = with_noise(np.zeros(samples(1500)), 0.0, peak(-25) ** 2 / 2, seed=3)
    events = detect("RU", np.concatenate([burst, talk]))
    assert recognised(events) == []


def test_an_early_match_that_does_not_go_on_is_reported_ended():
    """A busy-like burst and pause, then the same frequencies for 1.5 s: busy is withdrawn."""
    t = np.arange(samples(1500)) / 8000
    steady = sum(peak(-23) * np.sin(2 * np.pi * f * t) for f in (480, 620))
    burst = steady[: samples(500)]
    lead, pause = np.zeros(samples(LEAD_MS)), np.zeros(samples(450))
    events = detect("US", np.concatenate([lead, burst, pause, steady, pause]))
    busy = [(event.detected, event.detected_ms) for event in events if event.tone == "busy"]
    assert [detected for detected, _ in busy] == [True, False]
    assert busy[0][1] < LEAD_MS + 500 + 450
    assert busy[1][1] <= LEAD_MS + 500 + 450 + 590 + DECISION_SLACK_MS  # longer than a burst


def test_early_recognition_does_not_depend_on_block_size():
    spec = load_country("DE").tones["busy"]
    audio = np.concatenate([sounding(spec, -13, 5000, 0.01, 0.05), np.zeros(samples(2000))])
    results = [detect("DE", audio, block) for block in (7, 160, 800, 7919)]
    assert all(events == results[0] for events in results)
    assert recognised(results[0]) == ["busy"]


@pytest.fixture(scope="module")
def speech(tmp_path_factory):
    return material.speech(tmp_path_factory.mktemp("speech"))


@pytest.mark.parametrize("country", COUNTRIES)
def test_speech_and_music_are_not_taken_for_busy_even_early(country, speech):
    tunes = [
        material.music(60.0, track) for track in ("macroform-robot_dity", "reno_project-system")
    ]
    for signal in (speech, *tunes):
        for level in (-25, -5):
            events = detect(country, material.scaled_to(signal, level), 8000)
            assert recognised(events) == []
