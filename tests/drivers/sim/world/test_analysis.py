"""What a listener hears: frequencies, levels, onsets, and tone recognition that does not
mistake speech or music for a call-progress tone."""

import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest
from scipy import signal

from drivers.sim.world.analysis import component_level_dbm0, listen, onset_index
from firmware.countries import available_countries, load_country
from tests.drivers.sim.world.analog_peers import tone
from tests.drivers.sim.world.tone_audio import cadenced, through_g711

MUSIC_DIR = Path("/usr/share/asterisk/moh")
ALL_TONES = {
    f"{code}.{name}": spec
    for code in available_countries()
    for name, spec in load_country(code).tones.items()
}


@pytest.mark.parametrize(("frequency", "other"), [(425.0, 440.0), (440.0, 425.0)])
def test_frequencies_are_resolved_well_enough_to_tell_425_from_440(frequency, other):
    heard = listen(tone((frequency,), -10, 1.0), {})
    assert len(heard.frequencies) == 1
    assert heard.frequencies[0] == pytest.approx(frequency, abs=2)
    assert abs(heard.frequencies[0] - other) > 10


def test_dual_tones_report_both_components_and_the_level():
    heard = listen(tone((350.0, 440.0), -13, 1.0), {})
    assert sorted(heard.frequencies) == pytest.approx([350, 440], abs=1)
    assert heard.level_dbm0 == pytest.approx(-10, abs=0.1)  # two −13 dBm0 components


def test_component_level_is_accurate_beside_a_stronger_tone():
    audio = tone((1000.0,), -20, 1.0).astype(float) + tone((1300.0,), -5, 1.0)
    assert component_level_dbm0(audio, 1000.0) == pytest.approx(-20, abs=0.2)
    assert component_level_dbm0(audio, 1300.0) == pytest.approx(-5, abs=0.2)


def test_onset_is_found_within_a_window_after_the_tone_starts():
    audio = np.concatenate((np.zeros(4000), tone((1000.0,), -10, 0.5)))
    found = onset_index(audio, 1000.0, -40)
    assert found is not None and 4000 <= found <= 4000 + 80


@pytest.mark.parametrize("code", available_countries())
@pytest.mark.parametrize("name", ["dial", "busy", "ringback", "congestion"])
def test_each_countrys_tones_are_recognised_after_g711(code, name):
    profile = load_country(code)
    spec = profile.tones[name]
    cycle_s = sum(spec.cadence_ms) / 1000
    seconds = max(2.0, 2 * cycle_s + 0.5)
    audio = through_g711(cadenced(spec, seconds, phase_ms=137), profile.g711_law)
    heard = listen(audio, profile.tones)
    assert heard.tone == name
    assert heard.on_level_dbm0 == pytest.approx(
        spec.level_dbm0 + 10 * np.log10(len(spec.frequencies)), abs=0.5
    )


def test_a_steady_tone_is_not_a_cadenced_one_and_vice_versa():
    ru = load_country("RU").tones
    assert listen(cadenced(ru["busy"], 3.0), {"dial": ru["dial"]}).tone is None
    assert listen(cadenced(ru["dial"], 3.0), {"busy": ru["busy"]}).tone is None
    # 480 ms on/off (DE busy) is not 350 ms on/off (RU busy).
    assert listen(cadenced(load_country("DE").tones["busy"], 4.0), ru).tone is None


def _speech(text: str, voice: str, tmp_path: Path) -> np.ndarray:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (make debs-test installs it)")
    path = tmp_path / f"{voice}.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(path), text], check=True)
    with wave.open(str(path)) as speech:
        rate = speech.getframerate()
        samples = np.frombuffer(speech.readframes(speech.getnframes()), dtype=np.int16)
    return signal.resample_poly(samples.astype(float), 8000, rate).astype(np.int16)


@pytest.mark.parametrize(
    ("voice", "text"),
    [
        ("en", "Thank you for calling. All our operators are busy, please hold the line."),
        ("ru", "Здравствуйте! Вы позвонили в компанию. Оставайтесь на линии."),
        ("uk", "Доброго дня. Будь ласка, зачекайте на відповідь оператора."),
    ],
)
def test_speech_is_not_called_a_tone(voice, text, tmp_path):
    speech = _speech(text, voice, tmp_path)
    for start in range(0, max(1, len(speech) - 16000), 8000):
        assert listen(speech[start : start + 24000], ALL_TONES).tone is None


def test_music_is_not_called_a_tone():
    tracks = sorted(MUSIC_DIR.glob("*.wav"))
    if not tracks:
        pytest.skip("asterisk-moh-opsound-wav is not installed (make debs-test installs it)")
    for track in tracks:
        with wave.open(str(track)) as music:
            music.setpos(30 * 8000)
            samples = np.frombuffer(music.readframes(60 * 8000), dtype=np.int16)
        for start in range(0, len(samples) - 6 * 8000, 6 * 8000):
            heard = listen(samples[start : start + 6 * 8000], ALL_TONES)
            assert heard.tone is None, f"{track.name} at {30 + start / 8000:.0f} s: {heard}"
