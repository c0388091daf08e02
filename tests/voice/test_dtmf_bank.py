"""The DTMF receiver bank gives every channel exactly the events of its own receiver."""

from __future__ import annotations

import numpy as np
import pytest

from tests.voice import material
from tests.voice.signals import ALL_DIGITS, digit_train, samples, sine, to_int16, with_noise
from voice import g711
from voice.dtmf import DtmfEvent, DtmfReceiver
from voice.dtmf_bank import DtmfReceiverBank

FRAME = 160  # the engine's 20 ms frames
SECONDS = 12


def fitted(signal: np.ndarray) -> np.ndarray:
    """`signal` as int16 through A-law, cut or padded with silence to SECONDS."""
    heard = g711.through(to_int16(signal), "alaw")
    out = np.zeros(SECONDS * 8000, dtype=np.int16)
    out[: min(out.size, heard.size)] = heard[: out.size]
    return out


def train(on_ms: float, off_ms: float, low: float, high: float, **options) -> np.ndarray:
    return digit_train(ALL_DIGITS * 3, on_ms, off_ms, low, high, **options)[0]


def channel_material(tmp_path) -> list[np.ndarray]:
    """Eight channels with different content: digits at several levels, twists, timings and
    frequency errors, speech, music, single tones, digits over speech and near-misses."""
    speech = material.speech(tmp_path, voices=("en+f2", "ru+m3"))
    tune = material.music(SECONDS)
    n = SECONDS * 8000
    lone_tones = np.concatenate(
        [sine(f, -10, samples(700)) for f in (425, 697, 1000, 1336, 1633, 2100)]
        + [sine(941, -12, samples(300)) + sine(1209, -40, samples(300))]
    )
    short_and_long = np.concatenate(
        [digit_train(ALL_DIGITS, ms, 50, -20, -18, seed=3)[0] for ms in (23, 30, 36, 40, 45)]
    )
    digits_over_speech = material.scaled_to(speech, -20)[:n].copy()
    tones = train(50, 50, -14, -12, seed=4)
    digits_over_speech[samples(4000) : samples(4000) + tones.size] += tones[: n - samples(4000)]
    return [
        fitted(train(40, 40, -25, -25, seed=1)),
        fitted(train(60, 60, 0, -8, low_error=0.015, high_error=-0.015, seed=2)),
        fitted(material.scaled_to(speech, -15)),
        fitted(material.scaled_to(tune, -5)),
        fitted(digits_over_speech),
        fitted(lone_tones),
        fitted(with_noise(train(45, 45, -10, -6, low_error=-0.012, seed=5), 18, 0.01)),
        fitted(short_and_long),
    ]


def alone(signal: np.ndarray) -> list[DtmfEvent]:
    receiver = DtmfReceiver()
    events: list[DtmfEvent] = []
    for start in range(0, signal.size, FRAME):
        events += receiver.feed(signal[start : start + FRAME])
    return events


def test_every_channel_gets_exactly_what_its_own_receiver_gives(tmp_path):
    signals = np.stack(channel_material(tmp_path))
    bank = DtmfReceiverBank(len(signals))
    together: list[list[DtmfEvent]] = [[] for _ in signals]
    channels = list(range(len(signals)))
    for start in range(0, signals.shape[1], FRAME):
        results = bank.feed(channels, signals[:, start : start + FRAME])
        for heard, events in zip(together, results, strict=True):
            heard += events
    expected = [alone(signal) for signal in signals]
    assert together == expected
    # The comparison means something: digits were found where they were sent.
    digits = ["".join(event.digit for event in events if event.ended) for events in expected]
    assert digits[0] == digits[1] == ALL_DIGITS * 3
    assert digits[2] == digits[3] == ""
    assert len(digits[4]) >= 36  # over speech most digits still come through
    assert digits[7].endswith(ALL_DIGITS * 3)


def test_channels_fed_in_turns_and_restarted_match_receivers_used_the_same_way(tmp_path):
    """The engine feeds only the channels that want digits, and restarts one that stops."""
    signals = np.stack(channel_material(tmp_path))
    frames = signals.shape[1] // FRAME
    rng = np.random.default_rng(7)
    # Per frame and channel: 0 not listening, 1 listening, 2 restarted then listening.
    plan = rng.choice(3, size=(frames, len(signals)), p=[0.02, 0.975, 0.005])
    bank = DtmfReceiverBank(len(signals))
    receivers = [DtmfReceiver() for _ in signals]
    together: list[list[DtmfEvent]] = [[] for _ in signals]
    separately: list[list[DtmfEvent]] = [[] for _ in signals]
    for frame in range(frames):
        block = signals[:, frame * FRAME : (frame + 1) * FRAME]
        for channel in np.flatnonzero(plan[frame] == 2).tolist():
            bank.reset(channel)
            receivers[channel].reset()
        listening = np.flatnonzero(plan[frame] > 0).tolist()
        for channel, events in zip(listening, bank.feed(listening, block[listening]), strict=True):
            together[channel] += events
            separately[channel] += receivers[channel].feed(block[channel])
    assert together == separately
    assert sum(event.ended for events in together for event in events) > 100


def test_channels_fed_in_calls_of_every_size_match_their_own_receivers(tmp_path):
    """One phone dialling is fed alone, a busy office many at once: a channel moving
    between small and large calls, mid-digit too, still hears what its receiver hears."""
    signals = np.stack(channel_material(tmp_path))
    frames = signals.shape[1] // FRAME
    rng = np.random.default_rng(11)
    bank = DtmfReceiverBank(len(signals))
    receivers = [DtmfReceiver() for _ in signals]
    together: list[list[DtmfEvent]] = [[] for _ in signals]
    separately: list[list[DtmfEvent]] = [[] for _ in signals]
    sizes: set[int] = set()
    frame = 0
    while frame < frames:
        size = int(rng.integers(1, len(signals) + 1))
        listening = sorted(rng.choice(len(signals), size, replace=False).tolist())
        sizes.add(size)
        for _ in range(int(rng.integers(1, 4))):
            block = signals[:, frame * FRAME : (frame + 1) * FRAME]
            results = bank.feed(listening, block[listening])
            for channel, events in zip(listening, results, strict=True):
                together[channel] += events
                separately[channel] += receivers[channel].feed(block[channel])
            frame += 1
    assert together == separately
    assert sizes == set(range(1, len(signals) + 1))
    assert sum(event.ended for events in together for event in events) > 50


def test_a_channel_added_later_counts_from_its_own_first_sample():
    signal = fitted(train(50, 50, -10, -10, seed=9))
    bank = DtmfReceiverBank(1)
    for _ in range(51):  # just over one period of the analysers' oscillators
        bank.feed([0], np.zeros((1, FRAME)))
    late = bank.add_channel()
    events: list[DtmfEvent] = []
    for start in range(0, signal.size, FRAME):
        block = np.stack([np.zeros(FRAME), signal[start : start + FRAME]])
        events += bank.feed([0, late], block)[1]
    assert events == alone(signal)
    assert bank.position(late) == signal.size


def test_bad_blocks_are_refused_and_change_nothing():
    bank = DtmfReceiverBank(2)
    with pytest.raises(ValueError, match="multiple of 20"):
        bank.feed([0, 1], np.zeros((2, 150)))
    with pytest.raises(ValueError, match="one block per channel"):
        bank.feed([0, 1], np.zeros((1, 160)))
    with pytest.raises(ValueError, match="only once"):
        bank.feed([0, 0], np.zeros((2, 160)))
    assert bank.position(0) == bank.position(1) == 0
