"""The benchmark corpus comes from the Debian packages the Makefile installs, or stops loudly."""

import numpy as np
import pytest

from bench import corpus


def test_recorded_prompts_are_found_through_what_their_package_ships():
    paths = corpus.package_wavs(corpus.PROMPT_PACKAGE)
    assert len(paths) > 100
    first = next(corpus.prompts())
    assert first.kind == "prompts"
    assert first.seconds > 0.1
    assert not first.name.startswith("prompt /")  # named relative to the voice's directory


def test_a_missing_recording_package_stops_with_what_to_install():
    missing = "asterisk-core-sounds-xx-wav"
    with pytest.raises(corpus.CorpusMissing, match=missing) as raised:
        corpus.package_wavs(missing)
    assert "make debs-test" in str(raised.value)


def test_the_cost_audio_is_recorded_speech_not_noise():
    audio = corpus.cost_audio(seconds=5.0)
    assert audio.size == 5 * 8000
    # Speech has pauses; the noise timed before never fell silent.
    frames = audio[: audio.size // 160 * 160].reshape(-1, 160).astype(float)
    quiet = (frames**2).mean(axis=1) < 1e-4 * (frames**2).mean()
    assert quiet.any()


def test_the_c_code_alone_is_timed_on_the_whole_recording_in_one_call():
    audio = np.zeros(8000, dtype=np.int16)
    calls: list[int] = []

    def make():
        return lambda block: calls.append(block.size)

    cost = corpus.c_alone_us(make, audio, repeats=3)
    assert calls == [audio.size] * 3
    assert cost >= 0.0
    assert "ours ×4.0" in corpus.c_alone_note(200.0, 50.0)
