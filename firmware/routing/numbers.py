"""Phone numbers as routing compares them: the same client dials in as +7 495…, 8 495… or
just the local seven digits."""

from __future__ import annotations

# Enough digits to tell subscribers apart across trunk prefixes (8…, +7…, 0…, +44…).
SIGNIFICANT_DIGITS = 10
LOCAL_NUMBER_MAX_DIGITS = 7


def normalise(number: str, city_code: str | None = None) -> str:
    """Digits only; a local number gets the city code in front."""
    digits = "".join(character for character in number if character.isdigit())
    if city_code and 0 < len(digits) <= LOCAL_NUMBER_MAX_DIGITS:
        digits = city_code + digits
    return digits


def number_key(number: str, city_code: str | None = None) -> str:
    """What two spellings of one subscriber's number have in common."""
    return normalise(number, city_code)[-SIGNIFICANT_DIGITS:]


def starts_with(number: str, prefix: str) -> bool:
    """A caller-prefix match on digits, ignoring a leading + on either side."""
    return normalise(number).startswith(normalise(prefix))
