"""Saturating mixer and the conference mix-minus."""

from __future__ import annotations

import numpy as np
import pytest

from voice.mixer import apply_gain, mix, mix_minus, saturate


def test_mixing_adds_frames_and_saturates_instead_of_wrapping():
    a = np.array([1000, 30000, -30000, 5], dtype=np.int16)
    b = np.array([-500, 10000, -10000, 7], dtype=np.int16)
    assert mix([a, b]).tolist() == [500, 32767, -32768, 12]
    assert mix([a]).tolist() == a.tolist()


def test_gain_in_db_scales_and_saturates():
    frame = np.array([1000, -1000, 20000], dtype=np.int16)
    assert apply_gain(frame, -6.0206).tolist() == [500, -500, 10000]
    assert apply_gain(frame, 6.0206).tolist() == [2000, -2000, 32767]
    assert apply_gain(frame, 0).dtype == np.int16
    assert mix([frame, frame], gains_db=[0.0, -120.0]).tolist() == frame.tolist()


def test_each_party_hears_everyone_but_itself():
    rng = np.random.default_rng(0)
    parties = rng.integers(-12000, 12000, size=(8, 160)).astype(np.int16)
    heard = mix_minus(parties)
    assert heard.shape == parties.shape and heard.dtype == np.int16
    for me in range(8):
        others = np.delete(parties, me, axis=0).astype(np.int64).sum(axis=0)
        assert np.array_equal(heard[me], np.clip(others, -32768, 32767))


def test_mix_minus_applies_each_partys_gain_to_what_the_others_hear():
    parties = np.array([[1000] * 4, [2000] * 4, [4000] * 4], dtype=np.int16)
    heard = mix_minus(parties, gains_db=[0.0, -6.0206, 6.0206])
    assert heard[:, 0].tolist() == [1000 + 8000, 1000 + 8000, 1000 + 1000]


def test_mixer_inputs_are_checked():
    with pytest.raises(ValueError, match="parties"):
        mix(np.zeros(160, dtype=np.int16))
    with pytest.raises(ValueError, match="gains"):
        mix_minus(np.zeros((3, 160), dtype=np.int16), gains_db=[0.0])
    assert saturate([40000.4, -1e9, 1.5]).tolist() == [32767, -32768, 2]
