"""The engine's reasons for refusing a setting, said in the user's language.

The engine speaks English (`path: reason`); the pages show the reason next to its field in
the page's language. Each known shape of reason is a pattern with a catalogue text whose
`{0}`, `{1}`… are the parts taken from the English reason (numbers, names). A reason of an
unknown shape is shown as the engine said it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from web_ui.i18n import N_

_Q = r"'?([^']*)'?"  # a value the engine quotes, or not
PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"String should have at least (\d+) characters?"),
        N_("enter at least {0} character(s)"),
    ),
    (
        re.compile(r"String should have at most (\d+) characters?"),
        N_("enter at most {0} characters"),
    ),
    (re.compile(r"Input should be greater than or equal to ([-\d.]+)"), N_("must be {0} or more")),
    (re.compile(r"Input should be less than or equal to ([-\d.]+)"), N_("must be {0} or less")),
    (re.compile(r"Input should be greater than ([-\d.]+)"), N_("must be more than {0}")),
    (re.compile(r"Input should be less than ([-\d.]+)"), N_("must be less than {0}")),
    (re.compile(r"Input should be a valid integer.*"), N_("must be a whole number")),
    (re.compile(r"Input should be a valid number.*"), N_("must be a number")),
    (re.compile(r"Input should be (.+)"), N_("must be one of: {0}")),
    (re.compile(r"Field required"), N_("must be filled in")),
    (re.compile(r"Extra inputs are not permitted"), N_("is not a setting of this section")),
    (
        re.compile(rf"{_Q} must be 2 to 6 digits, e\.g\. 101"),
        N_("{0} must be 2 to 6 digits, e.g. 101"),
    ),
    (re.compile(rf"{_Q} must be 1 or 2 digits, e\.g\. 9"), N_("{0} must be 1 or 2 digits, e.g. 9")),
    (
        re.compile(rf"{_Q} must be 1 to 4 of the keys 0-9, \* and #, e\.g\. \*78"),
        N_("{0} must be 1 to 4 of the keys 0-9, * and #, e.g. *78"),
    ),
    (re.compile(rf"{_Q} is not an e-mail address"), N_("{0} is not an e-mail address")),
    (re.compile(r"(\S+) is already used"), N_("{0} is already used")),
    (
        re.compile(r"port (\d+) is not an FXS port of the hat"),
        N_("port {0} is not an FXS port of the hat"),
    ),
    (
        re.compile(r"port (\d+) already belongs to extension (\S+)"),
        N_("port {0} already belongs to extension {1}"),
    ),
    (re.compile(r"port (\d+) is configured twice"), N_("port {0} is configured twice")),
    (
        re.compile(r"(\S+) cannot be dialled: (\S+) is the emergency number"),
        N_("{0} cannot be dialled: {1} is the emergency number"),
    ),
    (
        re.compile(r"(\S+) is also how extension (\S+) starts: it could not be dialled"),
        N_("{0} is also how extension {1} starts: it could not be dialled"),
    ),
    (re.compile(r"two features share one code"), N_("two features share one code")),
    (re.compile(r"extension (\S+) does not exist"), N_("extension {0} does not exist")),
    (
        re.compile(rf"unknown time zone {_Q}; use a name like Europe/Moscow"),
        N_("unknown time zone {0}; use a name like Europe/Moscow"),
    ),
]


def say_reason(reason: str, gettext: Callable[[str], str]) -> str:
    text = reason.removeprefix("Value error, ")
    for pattern, template in PATTERNS:
        found = pattern.fullmatch(text)
        if found:
            return gettext(template).format(*found.groups())
    return text
