"""The voicemail, recording and e-mail sections refuse what cannot work, path by path."""

from __future__ import annotations

import pytest

from firmware.config import ConfigError, validate
from firmware.config.defaults import default_config


def _document() -> dict:
    return default_config().model_dump(mode="json")


def _problems(document: dict) -> list[str]:
    with pytest.raises(ConfigError) as refused:
        validate(document)
    return [str(problem) for problem in refused.value.errors]


def test_boxes_need_unique_ids_existing_owners_and_a_pin_of_digits() -> None:
    document = _document()
    document["voicemail"] = {
        "boxes": [
            {"id": "101", "owner": "101"},
            {"id": "101", "owner": "555"},
            {"id": "Sales Team"},
            {"id": "ok", "pin": "12a4", "recipients": ["not-an-address"]},
        ]
    }
    problems = _problems(document)
    assert (
        "voicemail.boxes[2].id: 'Sales Team' must be 1-32 of a-z, 0-9, - and _, e.g. sales"
        in problems
    )
    assert "voicemail.boxes[3].pin: a PIN is 4 to 8 digits" in problems
    assert "voicemail.boxes[3].recipients: 'not-an-address' is not an e-mail address" in problems
    document["voicemail"]["boxes"] = document["voicemail"]["boxes"][:2]
    assert _problems(document) == [
        "voicemail.boxes[1].id: box 101 is configured twice",
        "voicemail.boxes[1].owner: extension 555 does not exist",
    ]


def test_mail_settings_keep_the_old_section_and_check_the_back_off() -> None:
    document = _document()
    document["email"].update(host="mail.office.example", from_address="pbx@office.example")
    config = validate(document)
    assert config.email.verify_certificate and config.email.security == "starttls"
    document["email"]["outbox"] = {"retry_first_s": 600, "retry_max_s": 300}
    assert _problems(document) == [
        "email: outbox.retry_max_s must not be shorter than outbox.retry_first_s"
    ]


def test_recording_keeps_at_most_most_of_the_disk() -> None:
    document = _document()
    document["recording"] = {"max_disk_share": 0.95}
    (problem,) = _problems(document)
    assert problem.startswith("recording.max_disk_share: input should be less than or equal to 0.9")
