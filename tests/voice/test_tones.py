"""Call-progress tone generator and detector, for every country profile."""

from __future__ import annotations

import numpy as np
import pytest

from firmware.countries import available_countries, load_country
from tests.voice import material
from tests.voice.signals import peak, samples, to_int16, with_noise
from voice import g711
from voice.tones import CallProgressDetector, ToneEvent, ToneGenerator, ToneSpec

COUNTRIES = available_countries()
TONE_NAMES = (
    "dial",
    "special_dial",
    "ringback",
    "busy",
    "congestion",
    "call_waiting",
    "confirmation",
    "off_hook_warning",
)
RAMP = samples(2)


def expected_gate(spec, n: int) -> np.ndarray:
    """On/off per sample straight from the spec: lead-in once, then the cadence forever."""
    gate = np.zeros(n, dtype=bool)
    position = 0
    for index, ms in enumerate(spec.lead_in_ms):
        if index % 2 == 0:
            gate[position : position + samples(ms)] = True
        position += samples(ms)
    if not spec.cadence_ms:
        gate[position:] = True
        return gate
    index = 0
    while position < n:
        ms = spec.cadence_ms[index % len(spec.cadence_ms)]
        if index % 2 == 0:
            gate[position : position + samples(ms)] = True
        position += samples(ms)
        index += 1
    return gate


def on_segments(gate: np.ndarray) -> list[tuple[int, int]]:
    edges = np.flatnonzero(np.diff(np.concatenate(([0], gate.astype(int), [0]))))
    return list(zip(edges[::2], edges[1::2], strict=True))


@pytest.mark.parametrize("country", COUNTRIES)
@pytest.mark.parametrize("name", TONE_NAMES)
def test_generator_follows_the_country_cadence_to_the_sample(country, name):
    spec = load_country(country).tones[name]
    n = samples(sum(spec.lead_in_ms) + 2 * sum(spec.cadence_ms) + 1000)
    audio = ToneGenerator(spec).read(n).astype(float)
    gate = expected_gate(spec, n)
    assert not audio[~gate].any()
    single = peak(spec.level_dbm0)
    for start, end in on_segments(gate):
        inside = audio[start + RAMP : end - RAMP]
        assert inside.size and np.abs(inside).max() > 0.5 * single
        assert np.count_nonzero(audio[start : start + RAMP]) > 0


@pytest.mark.parametrize("country", COUNTRIES)
def test_generated_dial_tone_has_the_profile_frequencies_and_level(country):
    spec = load_country(country).tones["dial"]
    audio = ToneGenerator(spec).read(8000)[800:].astype(float)
    window = np.hanning(audio.size)
    spectrum = np.abs(np.fft.rfft(audio * window, 8 * audio.size)) * 2 / window.sum()
    frequencies = np.fft.rfftfreq(8 * audio.size, 1 / 8000)
    for frequency in spec.frequencies:
        near = np.abs(frequencies - frequency) < 15
        level = 20 * np.log10(spectrum[near].max() / peak(0))
        assert frequencies[near][np.argmax(spectrum[near])] == pytest.approx(frequency, abs=1)
        assert level == pytest.approx(spec.level_dbm0, abs=0.2)


def test_generator_is_seamless_whatever_the_frame_size():
    spec = load_country("GB").tones["congestion"]
    total = samples(1500)  # the first on/off/on of the cadence
    reference = ToneGenerator(spec).read(total)
    for block in (1, 7, 160, 5000):
        generator = ToneGenerator(spec)
        pieces = [generator.read(min(block, total - i)) for i in range(0, total, block)]
        assert np.array_equal(np.concatenate(pieces), reference)


def test_tone_specs_must_alternate_on_and_off():
    with pytest.raises(ValueError, match="even count"):
        ToneSpec((425.0,), -10, cadence_ms=(300, 300, 300))
    with pytest.raises(ValueError, match="frequency"):
        ToneSpec((), -10)


# The detector, fed with tones built here in numpy.


def sounding(
    spec,
    level: float,
    total_ms: float,
    frequency_error: float,
    timing_error: float,
    lead_ms: float = 400,
    seed: int = 0,
) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = samples(total_ms)
    t = np.arange(n) / 8000
    tone = sum(
        peak(level) * np.sin(2 * np.pi * f * (1 + frequency_error) * t + rng.uniform(0, 6.3))
        for f in spec.frequencies
    )
    stretched = ToneSpec(
        tuple(spec.frequencies),
        level,
        tuple(round(ms * (1 + timing_error)) for ms in spec.cadence_ms),
    )
    gate = np.concatenate([np.zeros(samples(lead_ms), bool), expected_gate(stretched, n)])[:n]
    return tone * gate


def recognised(events: list[ToneEvent]) -> list[str]:
    return [event.tone for event in events if event.detected]


def detect(country: str, audio: np.ndarray, block: int = 160) -> list[ToneEvent]:
    detector = CallProgressDetector(load_country(country).tones)
    heard = g711.through(to_int16(audio), load_country(country).g711_law)
    events = []
    for index in range(0, heard.size, block):
        events += detector.feed(heard[index : index + block])
    return events + detector.flush()


@pytest.mark.parametrize("country", COUNTRIES)
@pytest.mark.parametrize("name", ["dial", "busy", "congestion"])
@pytest.mark.parametrize("level", [0, -20, -40])
def test_each_countrys_dial_busy_and_congestion_are_recognised(country, name, level):
    spec = load_country(country).tones[name]
    cycle_ms = sum(spec.cadence_ms)
    for seed, (frequency_error, timing_error) in enumerate(
        [(0.0, 0.0), (0.02, 0.1), (-0.02, -0.1), (0.02, -0.1), (-0.02, 0.1)]
    ):
        audio = sounding(
            spec, level, 400 + max(2500, 3 * cycle_ms), frequency_error, timing_error, seed=seed
        )
        events = detect(country, audio)
        assert recognised(events) == [name], (frequency_error, timing_error)
        first = events[0]
        assert first.sample == pytest.approx(samples(400), abs=samples(25))
        took_ms = (first.detected_sample - samples(400)) / 8
        if spec.cadence_ms:  # busy is known within about two cycles
            assert took_ms <= 2 * cycle_ms * (1 + timing_error) + 100
        else:
            assert took_ms <= 1500


@pytest.mark.parametrize("country", COUNTRIES)
def test_ringback_is_recognised(country):
    spec = load_country(country).tones["ringback"]
    audio = sounding(spec, -19, 400 + 2.3 * sum(spec.cadence_ms), 0.01, 0.05)
    assert recognised(detect(country, audio)) == ["ringback"]


def test_busy_noisy_line_still_recognised():
    spec = load_country("RU").tones["busy"]
    audio = sounding(spec, -30, 4000, 0.01, 0.0)
    noisy = with_noise(audio, 10.0, peak(-30) ** 2 / 2)
    assert recognised(detect("RU", noisy)) == ["busy"]


def test_the_end_of_a_tone_is_reported():
    spec = load_country("US").tones["busy"]
    audio = np.concatenate([sounding(spec, -24, 4400, 0.0, 0.0), np.zeros(samples(3000))])
    events = detect("US", audio)
    assert [(event.tone, event.detected) for event in events] == [("busy", True), ("busy", False)]
    assert events[1].detected_sample <= samples(4400 + 1000)


def test_call_waiting_beeps_are_not_taken_for_busy_or_congestion():
    for country in COUNTRIES:
        spec = load_country(country).tones["call_waiting"]
        audio = sounding(spec, -15, 400 + 2 * sum(spec.cadence_ms), 0.0, 0.0)
        assert recognised(detect(country, audio)) == []


def test_detection_does_not_depend_on_block_size():
    spec = load_country("GB").tones["congestion"]
    audio = np.concatenate([sounding(spec, -13, 5000, 0.01, 0.05), np.zeros(samples(2000))])
    results = [detect("GB", audio, block) for block in (7, 80, 160, 7919)]
    assert all(events == results[0] for events in results)
    assert recognised(results[0]) == ["congestion"]


@pytest.fixture(scope="module")
def speech(tmp_path_factory):
    return material.speech(tmp_path_factory.mktemp("speech"))


@pytest.mark.parametrize("country", COUNTRIES)
def test_speech_and_music_are_not_taken_for_call_progress_tones(country, speech):
    tune = material.music(60.0)
    for signal in (speech, tune):
        for level in (-25, -5):
            assert recognised(detect(country, material.scaled_to(signal, level), 8000)) == []


def test_a_caller_reusing_its_frame_buffer_gets_the_same_tones():
    tones = load_country("RU").tones
    audio = np.concatenate(
        [np.zeros(4000, dtype=np.int16), ToneGenerator(tones["busy"]).read(16000)]
    )
    fresh, reused = CallProgressDetector(tones), CallProgressDetector(tones)
    buffer = np.empty(160, dtype=np.int16)
    heard_fresh, heard_reused = [], []
    for start in range(0, audio.size, 160):
        heard_fresh += fresh.feed(audio[start : start + 160].copy())
        buffer[:] = audio[start : start + 160]
        heard_reused += reused.feed(buffer)
    assert [e.tone for e in heard_fresh if e.detected] == ["busy"]
    assert heard_reused == heard_fresh
