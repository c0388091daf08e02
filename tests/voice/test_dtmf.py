"""DTMF receiver against ITU-T Q.24 (AT&T values) and the generator, with signals built here."""

from __future__ import annotations

import numpy as np
import pytest

from tests.voice import material
from tests.voice.signals import (
    ALL_DIGITS,
    COLUMNS,
    KEYS,
    ROWS,
    digit_train,
    dual_tone,
    peak,
    samples,
    sine,
    to_int16,
    with_noise,
)
from voice import g711
from voice.dtmf import DtmfEvent, DtmfGenerator, DtmfReceiver, decode

# (low, high) per-tone levels in dBm0 covering the accept region: levels 0 … −25 dBm0 with
# twist 0, +4 dB (high group louder) and −8 dB at both ends of the range.
ACCEPT_LEVELS = [(0, 0), (-12, -12), (-25, -25), (-4, 0), (-25, -21), (0, -8), (-17, -25)]
# Relative frequency errors (low, high): nominal and every ±1.5 % combination.
ACCEPT_ERRORS = [(0.0, 0.0), (0.015, 0.015), (0.015, -0.015), (-0.015, 0.015), (-0.015, -0.015)]
TONE_MS = 40
PAUSE_MS = 40
POSITION_TOLERANCE = samples(3)


def receive(signal: np.ndarray) -> list[DtmfEvent]:
    receiver = DtmfReceiver()
    return receiver.feed(to_int16(signal)) + receiver.flush()


def ended(events: list[DtmfEvent]) -> list[DtmfEvent]:
    return [event for event in events if event.ended]


def accept_matrix(low: float, high: float) -> tuple[np.ndarray, str, list[int]]:
    """All 16 digits at 40 ms on / 40 ms off for every accepted frequency error."""
    parts, starts, offset = [], [], 0
    for seed, (low_error, high_error) in enumerate(ACCEPT_ERRORS):
        train, train_starts = digit_train(
            ALL_DIGITS, TONE_MS, PAUSE_MS, low, high, low_error, high_error, seed=seed
        )
        parts.append(train)
        starts += [offset + start for start in train_starts]
        offset += train.size
    return np.concatenate(parts), ALL_DIGITS * len(ACCEPT_ERRORS), starts


def assert_all_detected(events: list[DtmfEvent], digits: str, starts: list[int]) -> None:
    done = ended(events)
    assert "".join(event.digit for event in done) == digits
    for event, start in zip(done, starts, strict=True):
        assert abs(event.start_sample - start) <= POSITION_TOLERANCE
        assert event.duration_ms == pytest.approx(TONE_MS, abs=3)


@pytest.mark.parametrize("law", [None, "alaw", "ulaw"])
@pytest.mark.parametrize(("low", "high"), ACCEPT_LEVELS)
def test_every_digit_in_the_q24_accept_region_is_detected(low, high, law):
    signal, digits, starts = accept_matrix(low, high)
    if law is not None:
        signal = g711.through(to_int16(signal), law)
    assert_all_detected(receive(signal), digits, starts)


@pytest.mark.parametrize(("low", "high"), ACCEPT_LEVELS)
def test_digits_are_detected_in_noise_at_26_db_snr(low, high):
    signal, digits, starts = accept_matrix(low, high)
    pair_power = (peak(low) ** 2 + peak(high) ** 2) / 2
    noisy = with_noise(signal, 26.0, pair_power, seed=abs(low * 100 + high))
    assert_all_detected(receive(g711.through(to_int16(noisy), "alaw")), digits, starts)


def us_dial_tone(n: int) -> np.ndarray:
    return sine(350, -13, n) + sine(440, -13, n, 1.0)


def ru_dial_tone(n: int) -> np.ndarray:
    return sine(425, -10, n)


@pytest.mark.parametrize("dial_tone", [us_dial_tone, ru_dial_tone])
@pytest.mark.parametrize(("low", "high"), [(-7, -7), (-25, -25), (-11, -7), (-7, -15), (-17, -25)])
def test_digits_are_detected_over_dial_tone(dial_tone, low, high):
    signal, digits, starts = accept_matrix(low, high)
    signal = signal + dial_tone(signal.size)
    assert_all_detected(receive(g711.through(to_int16(signal), "ulaw")), digits, starts)


@pytest.mark.parametrize("error", [0.035, -0.035, 0.05])
@pytest.mark.parametrize("group", ["low", "high"])
@pytest.mark.parametrize(("low", "high"), [(0, 0), (-10, -10), (-25, -25)])
def test_tones_off_by_3_5_percent_are_rejected(error, group, low, high):
    errors = (error, 0.0) if group == "low" else (0.0, error)
    signal, _ = digit_train(ALL_DIGITS, 100, 100, low, high, *errors)
    assert receive(signal) == []


@pytest.mark.parametrize("tone_ms", [23, 20, 15, 10])
@pytest.mark.parametrize(("low", "high"), [(0, 0), (-10, -6), (-25, -25), (-4, 0)])
def test_tones_of_23_ms_or_less_are_rejected(tone_ms, low, high):
    signal, _ = digit_train(ALL_DIGITS * 3, tone_ms, 60, low, high, seed=tone_ms)
    noisy = with_noise(signal, 26.0, (peak(low) ** 2 + peak(high) ** 2) / 2)
    assert receive(signal) == []
    assert receive(noisy) == []


def test_tones_at_minus_55_dbm0_are_rejected():
    signal, _ = digit_train(ALL_DIGITS, 100, 100, -55, -55)
    assert receive(signal) == []


def test_a_single_group_tone_is_not_a_digit():
    n = samples(200)
    for frequency in ROWS + COLUMNS:
        assert receive(np.concatenate([sine(frequency, -10, n), np.zeros(n)])) == []


def test_a_40_ms_pause_separates_repeated_digits():
    signal, _ = digit_train("1111" + "####" + "DDDD", 40, 40, -25, -25, 0.015, -0.015)
    done = ended(receive(signal))
    assert "".join(event.digit for event in done) == "1111####DDDD"


def test_a_receiver_reporting_only_starts_gives_the_same_starts_and_no_ends():
    signal, _ = digit_train("1111" + "5#5#", 40, 40, -25, -25, 0.015, -0.015)
    audio = to_int16(with_noise(signal, 26.0, peak(-25) ** 2))
    both = DtmfReceiver()
    starts_only = DtmfReceiver(report_ends=False)
    every = both.feed(audio) + both.flush()
    starts = starts_only.feed(audio) + starts_only.flush()
    assert starts == [event for event in every if not event.ended]
    assert "".join(event.digit for event in starts) == "11115#5#"
    assert starts_only.digit_in_progress is None


def test_a_10_ms_dropout_does_not_split_a_digit():
    rng = np.random.default_rng(3)
    first = dual_tone("5", 60, -10, -10, rng=rng)
    second = dual_tone("5", 60, -10, -10, rng=rng)
    signal = np.concatenate([np.zeros(400), first, np.zeros(samples(10)), second, np.zeros(800)])
    done = ended(receive(signal))
    assert [event.digit for event in done] == ["5"]
    assert done[0].duration_ms == pytest.approx(130, abs=3)


@pytest.mark.parametrize("tone_ms", [40, 100, 500])
def test_start_is_reported_early_and_end_carries_the_duration(tone_ms):
    signal, starts = digit_train("7", tone_ms, 100, -10, -8)
    events = receive(signal)
    assert [(event.digit, event.ended) for event in events] == [("7", False), ("7", True)]
    started, finished = events
    assert started.start_sample == finished.start_sample
    assert abs(started.start_sample - starts[0]) <= POSITION_TOLERANCE
    # The engine stops dial tone on the start event: it must come within 50 ms of the onset.
    assert started.detected_sample - starts[0] <= samples(50)
    assert finished.end_sample is not None
    assert abs(finished.end_sample - (starts[0] + samples(tone_ms))) <= POSITION_TOLERANCE
    assert finished.duration_ms == pytest.approx(tone_ms, abs=3)
    assert finished.low_dbm0 == pytest.approx(-10, abs=0.5)
    assert finished.high_dbm0 == pytest.approx(-8, abs=0.5)
    assert finished.twist_db == pytest.approx(2, abs=0.5)


def test_events_do_not_depend_on_how_the_audio_is_split():
    signal, _ = digit_train("159D*0", 45, 45, -20, -16, 0.01, -0.012)
    audio = to_int16(with_noise(signal, 30.0, peak(-18) ** 2))
    results = []
    for block in (1, 7, 160, 8000):
        receiver = DtmfReceiver()
        events = []
        for index in range(0, audio.size, block):
            events += receiver.feed(audio[index : index + block])
        results.append(events + receiver.flush())
    assert all(events == results[-1] for events in results)
    assert "".join(event.digit for event in ended(results[-1])) == "159D*0"


def test_digit_in_progress_is_visible_between_start_and_end():
    receiver = DtmfReceiver()
    tone = to_int16(dual_tone("9", 200, -10, -10))
    receiver.feed(tone[:800])
    assert receiver.digit_in_progress == "9"
    receiver.feed(tone[800:])
    receiver.feed(np.zeros(800, dtype=np.int16))
    assert receiver.digit_in_progress is None


def test_speech_and_music_are_not_taken_for_digits(tmp_path):
    speech = material.speech(tmp_path, voices=("en+f2", "en+m3", "ru+f4", "uk+m1"))
    tune = material.music(75.0, "manolo_camp-morning_coffee")[samples(30_000) :]
    for signal in (speech, tune):
        for level in (-25, -15, -5):
            heard = g711.through(to_int16(material.scaled_to(signal, level)), "alaw")
            assert receive(heard) == []


# The generator, measured with an FFT here.


def spectrum_peaks(burst: np.ndarray) -> tuple[list[float], list[float]]:
    """Frequencies (Hz) and levels (dBm0) of the two strongest tones in a burst."""
    n = burst.size
    window = np.hanning(n)
    magnitude = np.abs(np.fft.rfft(burst * window, 16 * n)) * 2 / window.sum()
    frequencies = np.fft.rfftfreq(16 * n, 1 / 8000)
    found = []
    for band in ((600, 1000), (1150, 1700)):
        inside = (frequencies >= band[0]) & (frequencies <= band[1])
        index = np.flatnonzero(inside)[np.argmax(magnitude[inside])]
        found.append((frequencies[index], 20 * np.log10(magnitude[index] / peak(0))))
    return [f for f, _ in found], [level for _, level in found]


def test_generator_sends_each_digit_with_its_frequencies_levels_and_timing():
    generator = DtmfGenerator(on_ms=70, off_ms=50, level_dbm0=-9, twist_db=3)
    signal = generator.signal(ALL_DIGITS)
    period = samples(70) + samples(50)
    assert signal.dtype == np.int16 and signal.size == 16 * period
    for index, digit in enumerate(ALL_DIGITS):
        burst = signal[index * period : index * period + samples(70)]
        gap = signal[index * period + samples(70) : (index + 1) * period]
        assert not gap.any()
        assert burst[1:-1].all() or np.count_nonzero(burst) > burst.size - 4
        row = next(r for r, keys in enumerate(KEYS) if digit in keys)
        frequencies, levels = spectrum_peaks(burst.astype(float))
        assert frequencies[0] == pytest.approx(ROWS[row], abs=2)
        assert frequencies[1] == pytest.approx(COLUMNS[KEYS[row].index(digit)], abs=2)
        assert levels[0] == pytest.approx(-9, abs=0.3)
        assert levels[1] == pytest.approx(-6, abs=0.3)


def test_generator_streams_the_same_audio_frame_by_frame():
    generator = DtmfGenerator(on_ms=60, off_ms=60)
    expected = generator.signal("12#,9")
    generator.put("12#,9")
    frames = []
    while not generator.done:
        frames.append(generator.read(160))
    streamed = np.concatenate(frames)
    assert np.array_equal(streamed[: expected.size], expected)
    assert not streamed[expected.size :].any()
    assert not generator.read(160).any()


def test_generator_output_is_decoded_at_the_shortest_q24_timing():
    for level, twist in ((-25, 0), (-6, 2), (-10, -8), (-21, 4)):
        generator = DtmfGenerator(on_ms=40, off_ms=40, level_dbm0=level, twist_db=twist)
        assert decode(generator.signal(ALL_DIGITS * 2)) == ALL_DIGITS * 2


def test_generator_refuses_what_it_cannot_send():
    generator = DtmfGenerator()
    with pytest.raises(ValueError, match="not a DTMF digit"):
        generator.put("12x")
    assert generator.done
    with pytest.raises(ValueError, match="clip"):
        DtmfGenerator(level_dbm0=3, twist_db=2)
