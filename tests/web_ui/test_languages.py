"""Every page text in Russian and Ukrainian; a user's language follows them."""

from __future__ import annotations

import pytest
from babel.messages.pofile import read_po

from firmware.verbs import Direction, EndReason
from web_ui.catalogue import collect
from web_ui.i18n import LOCALE_DIR, Localizer
from web_ui.words import DIRECTIONS, END_REASONS


@pytest.mark.parametrize("language", ["ru", "uk"])
def test_every_text_the_pages_show_has_a_translation(language):
    wanted = {message.id for message in collect() if message.id}
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalog = read_po(source, locale=language)
    translated = {message.id for message in catalog if message.id and message.string}
    missing = sorted(wanted - translated)
    assert not missing, f"run scripts/update-web-catalogues and translate: {missing}"


def test_the_engine_values_shown_on_pages_are_all_in_the_catalogue():
    assert set(END_REASONS) >= {reason.value for reason in EndReason}
    assert set(DIRECTIONS) == {direction.value for direction in Direction}


def test_dates_and_numbers_follow_the_language():
    moment = 1_767_225_600.0  # 2026-01-01 00:00 UTC
    assert "янв" in Localizer("ru", "Europe/Moscow").datetime(moment)
    assert "січ" in Localizer("uk", "Europe/Kyiv").datetime(moment)
    assert Localizer("ru").number(1234567) == "1\xa0234\xa0567"
    assert Localizer("en").number(1234567) == "1,234,567"


def test_a_user_who_chooses_russian_gets_every_page_in_russian(tmp_path):
    from tests.web_ui.site import log_in, web_site

    with web_site(tmp_path) as (client, _data):
        token = log_in(client)
        client.post("/me/language", data={"language": "ru", "csrf_token": token})
        dashboard = client.get("/").text
        assert "Обзор" in dashboard and "свободен" in dashboard
        assert 'lang="ru"' in dashboard
        assert "Внутренний номер" in client.get("/employees").text
        refused = client.post(
            "/system",
            data={"csrf_token": token, "system.name": "", "system.country": "US"},
        )
        assert refused.status_code == 422
        assert "Настройки не сохранены" in refused.text or 'class="error"' in refused.text


def test_the_engines_reasons_are_said_in_the_users_language():
    from web_ui.i18n import translations
    from web_ui.reasons import say_reason

    russian = translations("ru").gettext
    assert say_reason("String should have at least 1 character", russian) == (
        "введите не меньше 1 симв."
    )
    assert say_reason("'1x' must be 2 to 6 digits, e.g. 101", russian) == (
        "1x: нужно от 2 до 6 цифр, например 101"
    )
    assert say_reason("Value error, 101 is already used", russian) == "101 уже занят"
    assert say_reason("something new the engine says", russian) == "something new the engine says"


def test_every_exit_of_every_operation_is_in_the_catalogue():
    from web_ui.pages.scenarios import OPERATION_MODELS
    from web_ui.words import EXITS

    assert set(EXITS) >= {e for model in OPERATION_MODELS.values() for e in model.EXITS}
