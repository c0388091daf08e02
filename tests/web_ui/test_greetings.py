"""Greeting uploads: any common format becomes 8 kHz WAV; junk and huge files change nothing."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile

from tests.web_ui.site import log_in, web_site


def recording(format_: str, rate: int = 44100, seconds: float = 2.0, channels: int = 2) -> bytes:
    t = np.arange(int(rate * seconds)) / rate
    tone = 0.5 * np.sin(2 * np.pi * 440 * t)
    data = np.stack([tone] * channels, axis=1)
    out = io.BytesIO()
    soundfile.write(out, data, rate, format=format_)
    return out.getvalue()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with web_site(tmp_path_factory.mktemp("greetings")) as (client, data):
        token = log_in(client)
        yield client, data, token


@pytest.mark.parametrize(("format_", "suffix"), [("WAV", "wav"), ("OGG", "ogg"), ("MP3", "mp3")])
def test_an_upload_in_a_common_format_plays_back_as_8_khz_mono(site, format_, suffix):
    client, _data, token = site
    name = f"welcome-{suffix}"
    response = client.post(
        "/greetings",
        data={"csrf_token": token, "name": name},
        files={"audio": (f"welcome.{suffix}", recording(format_), "audio/mpeg")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    played = client.get(f"/greetings/{name}.wav")
    assert played.status_code == 200
    samples, rate = soundfile.read(io.BytesIO(played.content), dtype="int16")
    assert rate == 8000 and samples.ndim == 1
    assert abs(len(samples) / 8000 - 2.0) < 0.1
    spectrum = np.abs(np.fft.rfft(samples.astype(float)))
    assert abs(np.argmax(spectrum) * 8000 / len(samples) - 440) < 5
    assert name in client.get("/greetings").text


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"%PDF-1.4 definitely a document" * 100, "not an audio file"),
        (b"RIFF" + bytes(10 * 1024 * 1024) * 3, "too large"),
    ],
)
def test_a_file_that_is_not_audio_or_is_huge_is_refused_and_changes_nothing(site, content, why):
    client, data, token = site
    before = (
        sorted(path.name for path in (data / "greetings").glob("*"))
        if (data / "greetings").exists()
        else []
    )
    response = client.post(
        "/greetings",
        data={"csrf_token": token, "name": "intruder"},
        files={"audio": ("intruder.wav", content, "audio/wav")},
    )
    assert response.status_code in (413, 422)
    assert why in response.text
    after = (
        sorted(path.name for path in (data / "greetings").glob("*"))
        if (data / "greetings").exists()
        else []
    )
    assert after == before
    assert "intruder" not in client.get("/greetings").text
