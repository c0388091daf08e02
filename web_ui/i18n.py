"""Translations of the pages (gettext catalogues) and locale-aware dates and numbers.

English is the source language; `locale/<lang>/LC_MESSAGES/messages.po` holds Russian and
Ukrainian. Catalogues are read from the `.po` files when the web process starts, so a
translator edits one text file and restarts, with no compile step.
"""

from __future__ import annotations

import io
import zoneinfo
from datetime import datetime
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

LANGUAGES = {"en": "English", "ru": "Русский", "uk": "Українська"}


def N_(message: str) -> str:
    """Mark text for the catalogues where it is defined; it is translated when shown."""
    return message


DEFAULT_LANGUAGE = "en"
LOCALE_DIR = Path(__file__).parent / "locale"


@cache
def translations(language: str) -> NullTranslations:
    po_path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if language == DEFAULT_LANGUAGE or not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def pick_language(wanted: str | None, accept_language: str = "", default: str = "") -> str:
    """The user's own choice, else the browser's preference, else the system language."""
    if wanted in LANGUAGES:
        return wanted  # type: ignore[return-value]
    for part in accept_language.split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return default if default in LANGUAGES else DEFAULT_LANGUAGE


class Localizer:
    """Everything a page needs to speak one language: text, dates, numbers."""

    def __init__(self, language: str, timezone: str = "UTC") -> None:
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        self._translations = translations(self.language)
        try:
            self.tz = zoneinfo.ZoneInfo(timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            self.tz = zoneinfo.ZoneInfo("UTC")
        self.locale = Locale.parse(self.language)

    def gettext(self, message: str) -> str:
        return self._translations.gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return self._translations.ngettext(singular, plural, count)

    def datetime(self, epoch_s: float | None) -> str:
        if epoch_s is None:
            return ""
        moment = datetime.fromtimestamp(epoch_s, self.tz)
        return format_datetime(moment, "medium", tzinfo=self.tz, locale=self.locale)

    def number(self, value: float, digits: int = 0) -> str:
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, format=pattern, locale=self.locale)

    def duration(self, seconds: float | None) -> str:
        if seconds is None:
            return ""
        whole = round(seconds)
        return f"{whole // 60}:{whole % 60:02d}"
