"""Line echo canceller: convergence, double talk, NLP and comfort noise, modem bypass.

ERLE is measured on the true residual echo: with the NLP off the canceller is linear in its
output, so output − (near-end speech + line noise) is exactly what is left of the echo.
Run with `pytest -s` to see the figures.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import signal

from tests.voice.test_echo_signals import (
    DBM0_POWER,
    ECHO_PATH_IDS,
    ECHO_PATHS,
    FS,
    at_level,
    echo_path,
    espeak,
    level_dbm0,
    speech_like,
)
from voice.echo import EchoCanceller

QUIET_LINE_DBM0 = -85.0  # line noise for the convergence tests (G.168 test 2A is noise-free)


def run(
    canceller: EchoCanceller, far: np.ndarray, near: np.ndarray, block: int = 160
) -> np.ndarray:
    out = [
        canceller.process(far[i : i + block], near[i : i + block])
        for i in range(0, far.size, block)
    ]
    return np.concatenate(out).astype(float)


def erle_db(echo: np.ndarray, residual: np.ndarray, start_s: float, stop_s: float) -> float:
    window = slice(round(start_s * FS), round(stop_s * FS))
    return float(10 * np.log10(np.sum(echo[window] ** 2) / np.sum(residual[window] ** 2)))


def line_noise(n: int, dbm0: float, seed: int) -> np.ndarray:
    """Band-limited (300-3400 Hz) Gaussian line noise at `dbm0`."""
    noise = np.random.default_rng(seed).standard_normal(n)
    noise = signal.lfilter(*signal.butter(1, [300, 3400], btype="band", fs=FS), noise)
    return noise * np.sqrt(DBM0_POWER * 10 ** (dbm0 / 10) / np.mean(noise**2))


@pytest.mark.parametrize(("delay_ms", "erl_db", "kind"), ECHO_PATHS, ids=ECHO_PATH_IDS)
@pytest.mark.parametrize("seed", [1, 2])
def test_erle_reaches_30_db_within_one_second(
    delay_ms: float, erl_db: float, kind: str, seed: int
) -> None:
    far = speech_like(2.0, np.random.default_rng(seed))
    echo = signal.lfilter(echo_path(delay_ms, erl_db, kind), [1.0], far)
    noise = line_noise(far.size, QUIET_LINE_DBM0, seed)
    near = np.round(echo + noise)
    out = run(EchoCanceller(nlp=False), far, near)
    residual = out - (near - echo)
    erle = erle_db(echo, residual, 1.0, 2.0)
    print(f"\n{delay_ms:g} ms / ERL {erl_db:g} dB / {kind}: ERLE after 1 s = {erle:.1f} dB")
    assert erle >= 30.0


def test_128_ms_tail_cancels_an_echo_beyond_the_default_64_ms() -> None:
    far = speech_like(5.0, np.random.default_rng(3))
    echo = signal.lfilter(echo_path(95.0, 15.0, "dispersive"), [1.0], far)
    near = np.round(echo + line_noise(far.size, QUIET_LINE_DBM0, 3))
    long_tail = run(EchoCanceller(tail_ms=128, nlp=False), far, near) - (near - echo)
    short_tail = run(EchoCanceller(tail_ms=64, nlp=False), far, near) - (near - echo)
    by_second = [erle_db(echo, long_tail, t, t + 1.0) for t in range(5)]
    short_erle = erle_db(echo, short_tail, 3.0, 5.0)
    print(
        "\n95 ms echo, 128 ms tail, ERLE per second:",
        " ".join(f"{v:.1f}" for v in by_second),
        f"dB; 64 ms tail: {short_erle:.1f} dB",
    )
    # Twice the taps adapt about half as fast: 30 dB from the third second.
    assert min(by_second[3:]) >= 30.0
    assert short_erle < 3.0


def double_talk_scenario(near_speech: np.ndarray, seed: int) -> dict[str, float]:
    """10 s of far end; near-end speech at the far end's level from 3 s to 7 s."""
    far = speech_like(10.0, np.random.default_rng(seed))
    talk = np.zeros(far.size)
    talk[3 * FS : 3 * FS + near_speech.size] = near_speech
    echo = signal.lfilter(echo_path(12.0, 11.0, "dispersive"), [1.0], far)
    near = np.round(echo + talk + line_noise(far.size, QUIET_LINE_DBM0, seed))
    residual = run(EchoCanceller(nlp=False), far, near) - (near - echo)
    return {
        "before": erle_db(echo, residual, 2.0, 3.0),
        "during": erle_db(echo, residual, 3.0, 7.0),
        "after": erle_db(echo, residual, 7.0, 8.0),
    }


def assert_no_divergence(figures: dict[str, float], what: str) -> None:
    print(
        f"\n{what}: ERLE before {figures['before']:.1f} dB, during double talk "
        f"{figures['during']:.1f} dB, after {figures['after']:.1f} dB"
    )
    assert figures["before"] >= 30.0
    assert figures["during"] >= figures["before"] - 3.0
    assert figures["after"] >= figures["before"] - 3.0


def test_no_divergence_in_double_talk_with_speech_like_near_end() -> None:
    near_speech = speech_like(4.0, np.random.default_rng(42), dbm0=-15.0)
    assert_no_divergence(double_talk_scenario(near_speech, seed=4), "speech-like near end")


def test_no_divergence_in_double_talk_with_spoken_near_end(tmp_path: Path) -> None:
    spoken = espeak(
        "Hello? Yes, I am calling about the invoice you sent last week. "
        "There seems to be a mistake in the total.",
        "en-gb+f3",
        tmp_path / "near.wav",
    )
    near_speech = np.round(at_level(spoken, -15.0))[: 4 * FS]
    assert_no_divergence(double_talk_scenario(near_speech, seed=5), "espeak-ng near end")


def test_spoken_far_end_converges_and_stays_converged(tmp_path: Path) -> None:
    spoken = espeak(
        "Good morning, thank you for calling. All of our operators are busy right now. "
        "Please hold the line, or leave a message after the tone.",
        "en-us",
        tmp_path / "far.wav",
    )
    far = np.round(at_level(spoken, -15.0))[: 6 * FS]
    echo = signal.lfilter(echo_path(20.0, 20.0, "dispersive"), [1.0], far)
    near = np.round(echo + line_noise(far.size, QUIET_LINE_DBM0, 6))
    residual = run(EchoCanceller(nlp=False), far, near) - (near - echo)
    figures = [erle_db(echo, residual, t, t + 1.0) for t in range(1, 6)]
    print("\nespeak-ng far end, ERLE per second from 1 s:", " ".join(f"{v:.1f}" for v in figures))
    assert min(figures[2:]) >= 30.0  # real speech excites the band slowly: 30 dB from 3 s


def nlp_scenario(noise_dbm0: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """1 s of silence, far-end single talk to 5 s, near-end talk 5-8 s, silence after 8 s."""
    far = speech_like(10.0, np.random.default_rng(7))
    far[:FS] = 0.0
    far[8 * FS :] = 0.0
    talk = np.zeros(far.size)
    talk[5 * FS : 8 * FS] = speech_like(3.0, np.random.default_rng(8), dbm0=-20.0)
    noise = line_noise(far.size, noise_dbm0, 9)
    echo = signal.lfilter(echo_path(5.0, 11.0, "resonant"), [1.0], far)
    near = np.round(echo + talk + noise)
    out = run(EchoCanceller(), far, near)
    return out, talk, noise, echo


@pytest.mark.parametrize("noise_dbm0", [-65.0, -50.0])
def test_nlp_replaces_residual_echo_with_comfort_noise_at_the_background_level(
    noise_dbm0: float,
) -> None:
    out, _, noise, echo = nlp_scenario(noise_dbm0)
    single_talk = slice(2 * FS, 5 * FS)
    out_level, noise_level = level_dbm0(out[single_talk]), level_dbm0(noise[single_talk])
    print(
        f"\nline noise {noise_level:.1f} dBm0, echo {level_dbm0(echo[single_talk]):.1f} dBm0, "
        f"output in far-end single talk {out_level:.1f} dBm0"
    )
    assert out_level == pytest.approx(noise_level, abs=2.0)

    # The comfort noise has the background's spectral tilt, not a flat one.
    def tilt(x: np.ndarray) -> float:
        f, p = signal.welch(x, FS, nperseg=256)
        return float(
            10 * np.log10(p[(f > 300) & (f < 1000)].mean() / p[(f > 2000) & (f < 3400)].mean())
        )

    assert tilt(out[single_talk]) == pytest.approx(tilt(noise[single_talk]), abs=3.0)
    # No dead air either side of the far end's speech.
    assert level_dbm0(out[round(0.3 * FS) : FS]) == pytest.approx(noise_level, abs=1.0)
    assert level_dbm0(out[round(8.3 * FS) :]) == pytest.approx(noise_level, abs=2.0)


def test_nlp_lets_near_end_speech_through_in_double_talk() -> None:
    out, talk, noise, _ = nlp_scenario(-65.0)
    during = slice(5 * FS, 8 * FS)
    kept = talk[during]
    distortion = out[during] - kept - noise[during]
    ratio = 10 * np.log10(np.sum(kept**2) / np.sum(distortion**2))
    print(f"\nnear-end speech to everything else in double talk: {ratio:.1f} dB")
    assert ratio >= 15.0


def test_modem_bypass_passes_the_near_end_untouched_until_the_line_goes_quiet() -> None:
    rng = np.random.default_rng(10)
    far = speech_like(4.0, rng)
    echo = signal.lfilter(echo_path(5.0, 11.0, "resonant"), [1.0], far)
    near = np.round(echo + line_noise(far.size, -65.0, 10))
    canceller = EchoCanceller()
    run(canceller, far[: 2 * FS], near[: 2 * FS])
    canceller.disable_for_modem()
    assert canceller.stats.bypassed
    # A fax/modem session: both directions busy; the near end must pass bit-exact.
    tone = np.round(8000 * np.sin(2 * np.pi * 1800 * np.arange(FS) / FS))
    passed = run(canceller, tone, near[2 * FS : 3 * FS])
    np.testing.assert_array_equal(passed, near[2 * FS : 3 * FS])
    # 300 ms of silence both ways ends the session and re-enables cancellation.
    silence = np.zeros(round(0.3 * FS))
    run(canceller, silence, silence)
    assert not canceller.stats.bypassed
    out = run(canceller, far[3 * FS :], near[3 * FS :])
    assert level_dbm0(out) < level_dbm0(echo[3 * FS :]) - 20.0


def test_changed_echo_path_is_relearnt_within_a_second() -> None:
    """The line's echo changes mid-call (say, the exchange switched the call): the residual
    then looks like talk to the residual test, which must not lock the old model in."""
    far = speech_like(8.0, np.random.default_rng(17))
    before = signal.lfilter(echo_path(5.0, 11.0, "resonant"), [1.0], far)
    after = signal.lfilter(echo_path(20.0, 15.0, "dispersive"), [1.0], far)
    echo = np.concatenate((before[: 3 * FS], after[3 * FS :]))
    near = np.round(echo + line_noise(far.size, -65.0, 17))
    residual = run(EchoCanceller(nlp=False), far, near) - (near - echo)
    by_second = [erle_db(echo, residual, t, t + 1.0) for t in range(8)]
    print("\necho path changed at 3 s, ERLE per second:", " ".join(f"{v:.1f}" for v in by_second))
    assert by_second[2] >= 30.0
    assert min(by_second[4:]) >= 25.0


def test_enable_restores_cancellation_at_once() -> None:
    far = speech_like(3.0, np.random.default_rng(11))
    echo = signal.lfilter(echo_path(0.0, 6.0, "bandpass"), [1.0], far)
    near = np.round(echo)
    canceller = EchoCanceller(nlp=False)
    run(canceller, far[: 2 * FS], near[: 2 * FS])
    canceller.disable_for_modem()
    canceller.enable()
    residual = run(canceller, far[2 * FS :], near[2 * FS :]) - (near[2 * FS :] - echo[2 * FS :])
    assert erle_db(echo[2 * FS :], residual, 0.0, 1.0) >= 30.0


def test_reset_forgets_the_echo_path() -> None:
    far = speech_like(2.0, np.random.default_rng(12))
    near = np.round(signal.lfilter(echo_path(5.0, 11.0, "resonant"), [1.0], far))
    canceller = EchoCanceller(nlp=False)
    run(canceller, far, near)
    assert np.abs(canceller.echo_path()).max() > 0.05
    assert canceller.erle_db > 20.0
    canceller.reset()
    assert not canceller.echo_path().any()
    assert canceller.erle_db == 0.0
    np.testing.assert_array_equal(run(canceller, far[:160], near[:160]), near[:160])


def test_learnt_echo_path_matches_the_line() -> None:
    far = speech_like(3.0, np.random.default_rng(13))
    h = echo_path(12.0, 15.0, "diffuse")
    near = np.round(signal.lfilter(h, [1.0], far))
    canceller = EchoCanceller(nlp=False)
    run(canceller, far, near)
    learnt = canceller.echo_path()[: h.size]
    misalignment = 10 * np.log10(np.sum((learnt - h) ** 2) / np.sum(h**2))
    print(f"\nmodel misalignment {misalignment:.1f} dB")
    assert misalignment < -20.0


def test_erle_estimate_tracks_the_measured_erle() -> None:
    far = speech_like(3.0, np.random.default_rng(14))
    echo = signal.lfilter(echo_path(5.0, 11.0, "resonant"), [1.0], far)
    near = np.round(echo + line_noise(far.size, -70.0, 14))
    canceller = EchoCanceller(nlp=False)
    out = run(canceller, far, near)
    measured = 10 * np.log10(np.sum(near[2 * FS :] ** 2) / np.sum(out[2 * FS :] ** 2))
    print(f"\nERLE estimate {canceller.erle_db:.1f} dB, measured {measured:.1f} dB")
    assert canceller.erle_db == pytest.approx(measured, abs=3.0)


@pytest.mark.parametrize("block", [1, 7, 8000])
def test_output_does_not_depend_on_block_size(block: int) -> None:
    far = speech_like(1.5, np.random.default_rng(15))
    talk = np.zeros(far.size)
    talk[FS:] = speech_like(0.5, np.random.default_rng(16))
    near = np.round(signal.lfilter(echo_path(5.0, 11.0, "resonant"), [1.0], far) + talk)
    near += line_noise(far.size, -60.0, 15).round()
    reference = run(EchoCanceller(), far, near, 160)
    other = run(EchoCanceller(), far, near, block)
    assert np.abs(other - reference).max() <= 1.0  # floating-point rounding only


def test_mismatched_blocks_are_refused_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        EchoCanceller().process(np.zeros(160), np.zeros(80))
    with pytest.raises(ValueError, match="tail"):
        EchoCanceller(tail_ms=1000)
