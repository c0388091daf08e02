"""The media frame has one home in drivers; voice's own names for it must agree."""

from drivers.frames import FRAME_MS, FRAME_S, FRAME_SAMPLES, SAMPLE_RATE_HZ
from drivers.hal.interfaces import PCM_BLOCK_FRAMES, PCM_SAMPLE_RATE
from voice.echo import FRAME_SAMPLES as ECHO_FRAME_SAMPLES
from voice.level import SAMPLE_RATE_HZ as VOICE_SAMPLE_RATE_HZ


def test_a_frame_is_20_ms_of_8_khz_audio_everywhere():
    assert (SAMPLE_RATE_HZ, FRAME_MS, FRAME_SAMPLES) == (8000, 20, 160)
    assert FRAME_S * SAMPLE_RATE_HZ == FRAME_SAMPLES
    assert (PCM_SAMPLE_RATE, PCM_BLOCK_FRAMES) == (SAMPLE_RATE_HZ, FRAME_SAMPLES)
    assert VOICE_SAMPLE_RATE_HZ == SAMPLE_RATE_HZ
    assert ECHO_FRAME_SAMPLES == FRAME_SAMPLES
