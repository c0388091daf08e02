"""The technician's `switchboard dsp` tools on WAV files made independently in the tests."""

import json
import re
import subprocess
import sys

import numpy as np
from scipy.io import wavfile

RATE = 8000
DBM0_PEAK = 32768 * 10 ** (-3.14 / 20)  # a sine of this peak is 0 dBm0


def switchboard(*arguments):
    return subprocess.run(
        [sys.executable, "-m", "firmware", *map(str, arguments)],
        capture_output=True,
        text=True,
        check=False,
    )


def sine(frequencies, seconds, level_dbm0=-10.0, rate=RATE):
    t = np.arange(int(seconds * rate)) / rate
    amplitude = DBM0_PEAK * 10 ** (level_dbm0 / 20)
    return sum(amplitude * np.sin(2 * np.pi * f * t) for f in frequencies)


def write(path, samples, rate=RATE):
    wavfile.write(path, rate, np.round(samples).astype(np.int16))
    return path


def test_dtmf_prints_each_digit_with_start_and_duration(tmp_path):
    keys = {"1": (697, 1209), "5": (770, 1336), "#": (941, 1477)}
    silence = np.zeros(int(0.1 * RATE))
    audio = np.concatenate([silence, sine(keys["1"], 0.08), silence, sine(keys["5"], 0.12)])
    audio = np.concatenate([audio, silence, sine(keys["#"], 0.06), silence])
    result = switchboard("dsp", "dtmf", write(tmp_path / "digits.wav", audio))
    assert result.returncode == 0
    lines = [line.split() for line in result.stdout.splitlines()]
    assert [line[0] for line in lines] == ["1", "5", "#"]
    starts = [int(line[1]) for line in lines]
    durations = [int(line[2]) for line in lines]
    for start, expected in zip(starts, (100, 280, 500), strict=True):
        assert abs(start - expected) <= 10
    for duration, expected in zip(durations, (80, 120, 60), strict=True):
        assert abs(duration - expected) <= 10


def test_dtmf_reads_a_44k_stereo_file_by_resampling(tmp_path):
    rate = 44100
    audio = sine((852, 1477), 0.2, rate=rate)
    stereo = np.stack([audio, audio], axis=1)
    result = switchboard("dsp", "dtmf", write(tmp_path / "nine.wav", stereo, rate))
    assert result.stdout.split()[0] == "9"


def test_callerid_prints_fields_and_the_detected_standard(tmp_path):
    out = tmp_path / "cid.wav"
    made = switchboard(
        "dsp",
        "gen",
        "callerid",
        "--standard",
        "etsi_fsk",
        "--number",
        "4951234567",
        "--name",
        "Ivan Petrov",
        "--time",
        "03020915",
        "-o",
        out,
    )
    assert made.returncode == 0
    result = switchboard("dsp", "callerid", out)
    messages = json.loads(result.stdout)
    assert messages[0]["standard"] == "etsi_fsk"
    assert messages[0]["number"] == "4951234567"
    assert messages[0]["name"] == "Ivan Petrov"
    assert messages[0]["time"] == "03020915"


def test_tones_recognises_a_russian_busy_tone(tmp_path):
    burst = np.concatenate([sine([425], 0.35), np.zeros(int(0.35 * RATE))])
    result = switchboard(
        "dsp", "tones", write(tmp_path / "busy.wav", np.tile(burst, 5)), "--country", "RU"
    )
    assert result.stdout.startswith("busy recognised")


def test_faxtone_reports_calling_fax_bursts(tmp_path):
    burst = np.concatenate([sine([1100], 0.5, -20), np.zeros(3 * RATE)])
    result = switchboard("dsp", "faxtone", write(tmp_path / "cng.wav", np.tile(burst, 2)))
    starts = [line for line in result.stdout.splitlines() if line.startswith("CNG start")]
    assert len(starts) >= 1
    assert re.match(r"CNG start \d+ ms 1100\.\d Hz -20\.\d dBm0", starts[0])


def test_echo_cancels_the_echo_of_far_in_near_and_prints_erle(tmp_path):
    rng = np.random.default_rng(7)
    far = np.convolve(rng.standard_normal(6 * RATE), np.ones(4) / 4, mode="same") * 3000
    path = np.zeros(200)
    path[40], path[41], path[45] = 0.2, -0.1, 0.05
    near = np.convolve(far, path)[: len(far)] + rng.standard_normal(len(far)) * 3
    result = switchboard(
        "dsp",
        "echo",
        write(tmp_path / "far.wav", far),
        write(tmp_path / "near.wav", near),
        "-o",
        tmp_path / "out.wav",
    )
    erle = float(re.search(r"ERLE over the last 2 s: ([-\d.]+) dB", result.stdout).group(1))
    assert erle >= 30
    assert wavfile.read(tmp_path / "out.wav")[1].dtype == np.int16


def test_gen_tone_writes_the_country_dial_tone(tmp_path):
    out = tmp_path / "dial.wav"
    switchboard("dsp", "gen", "tone", "dial", "--country", "US", "--seconds", "1", "-o", out)
    rate, samples = wavfile.read(out)
    spectrum = np.abs(np.fft.rfft(samples))
    peaks = sorted(np.argsort(spectrum)[-2:] * rate / len(samples))
    assert rate == RATE and peaks == [350.0, 440.0]


def test_a_missing_file_is_a_clear_error():
    result = switchboard("dsp", "dtmf", "/nonexistent/audio.wav")
    assert result.returncode == 1
    assert result.stderr.strip() == "switchboard dsp: /nonexistent/audio.wav: no such file"
