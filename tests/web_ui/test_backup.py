"""Backup from one appliance, restore on a fresh one; damaged files change nothing."""

from __future__ import annotations

from tests.web_ui.site import form_token, log_in, web_site


def office_files(data):
    return {
        path.relative_to(data).as_posix(): path.read_bytes()
        for folder in ("prompts", "greetings", "voicemail")
        if (data / folder).exists()
        for path in sorted((data / folder).rglob("*"))
        if path.is_file()
    }


def test_a_backup_restored_on_a_fresh_appliance_gives_the_same_office(tmp_path):
    with web_site(tmp_path / "old") as (client, data):
        token = log_in(client)
        config = client.get("/api/v1/config").json()
        config["system"]["name"] = "Отдел продаж"
        config["employees"][0]["name"] = "Ольга Петрова"
        saved = client.put("/api/v1/config", json=config, headers={"X-CSRF-Token": token})
        assert saved.status_code == 200, saved.text
        (data / "greetings").mkdir()
        (data / "greetings" / "welcome.wav").write_bytes(b"RIFF" + bytes(range(256)) * 40)
        (data / "voicemail" / "101").mkdir(parents=True)
        (data / "voicemail" / "101" / "0001.wav").write_bytes(b"RIFF" + b"\x01" * 16000)
        page = client.get("/backup")
        backup = client.post("/backup/download", data={"csrf_token": form_token(page.text)})
        assert backup.status_code == 200
        assert backup.headers["content-type"] == "application/gzip"
        expected_config = client.get("/api/v1/config").json()
        expected_files = office_files(data)

    with web_site(tmp_path / "new") as (client, data):
        token = log_in(client)
        assert client.get("/api/v1/config").json() != expected_config
        restored = client.post(
            "/backup/restore",
            data={"csrf_token": token},
            files={"backup": ("office.tar.gz", backup.content, "application/gzip")},
            follow_redirects=False,
        )
        assert restored.status_code == 303, restored.text
        assert client.get("/api/v1/config").json() == expected_config
        assert office_files(data) == expected_files
        assert "backup.restore" in client.get("/backup").text  # in the audit log


def test_a_damaged_backup_is_refused_and_changes_nothing(tmp_path):
    with web_site(tmp_path) as (client, _data):
        token = log_in(client)
        page = client.get("/backup")
        backup = client.post("/backup/download", data={"csrf_token": form_token(page.text)})
        config = client.get("/api/v1/config")
        client.put(
            "/api/v1/config/system",
            json={**config.json()["system"], "name": "Changed after the backup"},
            headers={"X-CSRF-Token": token},
        )
        before = client.get("/api/v1/config").json()
        damaged = bytearray(backup.content)
        middle = len(damaged) // 2
        damaged[middle : middle + 16] = bytes(16)
        refused = client.post(
            "/backup/restore",
            data={"csrf_token": token},
            files={"backup": ("office.tar.gz", bytes(damaged), "application/gzip")},
        )
        assert refused.status_code == 422
        assert "not restored" in refused.text
        assert client.get("/api/v1/config").json() == before
