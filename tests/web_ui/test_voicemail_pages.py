"""The voicemail inbox and call recordings in the browser's pages: listen, download, mark,
delete; an employee sees only their own box."""

from __future__ import annotations

import io
import wave
from pathlib import Path

from firmware.voicemail.index import Kind
from tests.web_ui.pbx import control, leave
from tests.web_ui.site import form_token, log_in, web_site

RATE_HZ = 8000


def with_boxes(data: Path) -> None:
    document = control(data, "get_config")
    document["voicemail"]["boxes"] = [
        {"id": "101", "owner": "101"},
        {"id": "102", "owner": "102"},
    ]
    control(data, "put_config", config=document)


def message_ids(html: str) -> list[str]:
    import re

    return re.findall(r'data-message="([0-9a-f]+)"', html)


def test_the_admin_plays_marks_and_deletes_a_message_and_sees_recordings(tmp_path):
    data = tmp_path / "data"
    leave(data, Kind.VOICEMAIL, "101", "4955551234", 2.0)
    leave(data, Kind.RECORDING, "101", "4955550000", 3.0)
    with web_site(tmp_path) as (client, _):
        with_boxes(data)
        token = log_in(client)
        page = client.get("/voicemail")
        assert "4955551234" in page.text and "4955550000" not in page.text
        (message,) = message_ids(page.text)
        assert 'class="unheard"' in page.text

        audio = client.get(f"/voicemail/{message}.wav")
        assert audio.status_code == 200 and audio.headers["content-type"] == "audio/wav"
        with wave.open(io.BytesIO(audio.content)) as played:
            assert (played.getframerate(), played.getnchannels()) == (RATE_HZ, 1)
            assert played.getnframes() == 2 * RATE_HZ
        download = client.get(f"/voicemail/{message}.wav?download=1")
        assert download.headers["content-disposition"].startswith("attachment")

        client.post(f"/voicemail/{message}/heard", data={"heard": "1", "csrf_token": token})
        assert 'class="unheard"' not in client.get("/voicemail").text

        recordings = client.get("/recordings")
        assert "4955550000" in recordings.text
        (recording,) = message_ids(recordings.text)
        assert client.get(f"/voicemail/{recording}.wav").status_code == 200

        client.post(f"/voicemail/{message}/delete", data={"csrf_token": token})
        assert message_ids(client.get("/voicemail").text) == []
        assert client.get(f"/voicemail/{message}.wav").status_code == 404
    assert not any(data.glob(f"voicemail/101/{message}.wav"))


def test_an_employee_hears_only_their_own_box(tmp_path):
    data = tmp_path / "data"
    leave(data, Kind.VOICEMAIL, "101", "4951110101", 1.0)
    leave(data, Kind.VOICEMAIL, "102", "4952220202", 1.0)
    with web_site(tmp_path) as (client, _):
        with_boxes(data)
        log_in(client)
        others = message_ids(client.get("/voicemail").text)
        employee_page = client.get("/employees/101")
        client.post(
            "/employees/101/login",
            data={"password": "employee pass 1", "csrf_token": form_token(employee_page.text)},
        )
        client.cookies.clear()
        token = log_in(client, "101", "employee pass 1")
        page = client.get("/voicemail")
        assert "4951110101" in page.text and "4952220202" not in page.text
        (own,) = message_ids(page.text)
        (foreign,) = set(others) - {own}
        assert client.get(f"/voicemail/{own}.wav").status_code == 200
        assert client.get(f"/voicemail/{foreign}.wav").status_code == 404
        refused = client.post(f"/voicemail/{foreign}/delete", data={"csrf_token": token})
        assert refused.status_code == 404
        assert client.get("/recordings", follow_redirects=False).status_code == 403
    assert len(list(data.glob("voicemail/*/*.wav"))) == 2
