"""The world's tone and DTMF generators and its DTMF receiver, against numpy and spandsp."""

import numpy as np
import pytest

from drivers.sim.world.dtmf import DtmfDecoder
from drivers.sim.world.signals import DTMF_FREQUENCIES_HZ, TonePlayer, ToneSpec, dtmf_audio, sines
from tests.drivers.sim.world import spandsp_ref
from tests.drivers.sim.world.analog_peers import component_dbm0

ALL_KEYS = "0123456789*#ABCD"


def test_a_zero_dbm0_sine_has_the_digital_milliwatt_peak():
    samples = sines((1004.0,), 0.0, 0, 8000)
    assert np.max(np.abs(samples)) == pytest.approx(22826, rel=1e-3)
    assert component_dbm0(samples, 1004.0) == pytest.approx(0.0, abs=0.01)


def test_tones_rendered_in_blocks_of_any_size_are_one_continuous_signal():
    spec = ToneSpec((425.0,), -10, cadence_ms=(350, 350))
    player = TonePlayer(spec, start=1000)
    whole = player.render(0, 16000)
    pieces, position = [], 0
    for size in (160, 7, 333, 80, 1000, 14420):
        pieces.append(player.render(position, size))
        position += size
    assert np.array_equal(np.concatenate(pieces), whole)


def test_cadenced_tone_switches_on_the_exact_sample():
    spec = ToneSpec((425.0,), -10, cadence_ms=(350, 350), lead_in_ms=(100, 100))
    gate = np.abs(TonePlayer(spec, start=800).render(0, 800 + 8 * 1600)) > 0
    assert not gate[:800].any()
    # Zero crossings make single samples "off": look at the 1 ms grid the cadence uses.
    ms_on = gate[800:].reshape(-1, 8).any(axis=1)
    assert ms_on[:100].all() and not ms_on[100:200].any()
    assert ms_on[200:550].all() and not ms_on[550:900].any() and ms_on[900:1250].all()


@pytest.mark.parametrize("twist_db", [0, 2, -4])
def test_dtmf_generator_levels_and_twist(twist_db):
    audio = dtmf_audio("5", on_ms=200, off_ms=0, level_dbm0=-7, twist_db=twist_db)
    low, high = DTMF_FREQUENCIES_HZ["5"]
    assert component_dbm0(audio, low) == pytest.approx(-7, abs=0.1)
    assert component_dbm0(audio, high) == pytest.approx(-7 + twist_db, abs=0.1)


def test_spandsp_decodes_every_key_of_the_dtmf_generator():
    audio = dtmf_audio(ALL_KEYS, on_ms=50, off_ms=50, level_dbm0=-20, twist_db=2)
    assert spandsp_ref.dtmf_decode(audio) == ALL_KEYS


@pytest.mark.parametrize("level_dbm0", [-3, -10, -25])
def test_receiver_decodes_spandsp_dtmf_across_levels(level_dbm0):
    audio = spandsp_ref.dtmf_generate(ALL_KEYS, level_dbm0=level_dbm0, on_ms=50, off_ms=55)
    assert DtmfDecoder().feed(audio) == ALL_KEYS


def test_receiver_decodes_spandsp_dtmf_in_20ms_blocks_with_twist_and_noise():
    audio = spandsp_ref.dtmf_generate("9514#", level_dbm0=-12, twist_db=4, on_ms=45, off_ms=45)
    noisy = audio + np.random.default_rng(3).normal(0, 100, len(audio))  # about −47 dBm0
    decoder = DtmfDecoder()
    digits = "".join(decoder.feed(noisy[i : i + 160]) for i in range(0, len(noisy), 160))
    assert digits == "9514#"


def test_receiver_accepts_small_frequency_error_and_rejects_large():
    t = np.arange(800) / 8000

    def pair(error: float) -> np.ndarray:
        low, high = (f * (1 + error) for f in DTMF_FREQUENCIES_HZ["1"])
        return 5000 * (np.sin(2 * np.pi * low * t) + np.sin(2 * np.pi * high * t))

    assert DtmfDecoder().feed(pair(0.015)) == "1"
    assert DtmfDecoder().feed(pair(-0.015)) == "1"
    assert DtmfDecoder().feed(pair(0.05)) == ""


def test_receiver_ignores_single_tones_and_short_bursts():
    t = np.arange(4000) / 8000
    assert DtmfDecoder().feed(8000 * np.sin(2 * np.pi * 697 * t)) == ""
    assert DtmfDecoder().feed(8000 * np.sin(2 * np.pi * 440 * t)) == ""
    burst = dtmf_audio("7", on_ms=20, off_ms=100)
    assert DtmfDecoder().feed(burst) == ""
