"""Menu: a prompt, then a key. Exits per key (0-9 * #), `timeout` after the menu has played
its number of times with no key, `invalid` for a key with no exit.

Direct extension dialling, when the `extension` exit is set: a one-digit entry that matches
a configured key follows that key; a one-digit entry with no key is an extension; longer
entries are extensions, digits apart by no more than the menu timeout. An unknown extension
takes `wrong_number`, by default a second of silence and back to the menu. `#` with no key
of its own returns to the previous menu of a nested menu.
"""

from __future__ import annotations

from firmware.config.routing import Menu
from firmware.routing.walk import BACK, CALLER_GONE, Walk
from firmware.verbs import DigitsOutcome, PlayOutcome

ALL_KEYS = "0123456789*#"
MAX_EXTENSION_DIGITS = 6
WRONG_NUMBER_SILENCE_S = 1.0


async def run(operation: Menu, walk: Walk) -> str:
    dialling = "extension" in operation.exits
    for _ in range(operation.repeats):
        played = await walk.say(operation.prompt, interrupt=ALL_KEYS)
        if played.outcome == PlayOutcome.CALLER_GONE:
            return CALLER_GONE
        key = played.digit
        if not key:
            pressed = await walk.control.collect_digits(
                walk.call,
                max_digits=1,
                first_digit_s=operation.timeout_s,
                inter_digit_s=operation.timeout_s,
                terminators="",
            )
            if pressed.outcome == DigitsOutcome.CALLER_GONE:
                return CALLER_GONE
            if pressed.outcome == DigitsOutcome.TIMEOUT or not pressed.digits:
                continue
            key = pressed.digits
        if dialling and key.isdigit():
            choice = await _dialled(operation, walk, key)
            if choice:
                return choice
            continue
        if key in operation.keys:
            return key
        if key == "#" and len(walk.menu_stack) > 1:
            return BACK
        if "invalid" in operation.exits:
            return "invalid"
    return "timeout"


async def _dialled(operation: Menu, walk: Walk, first: str) -> str:
    """The exit for an entry that starts with a digit; "" to play the menu again."""
    more = await walk.control.collect_digits(
        walk.call,
        max_digits=MAX_EXTENSION_DIGITS - 1,
        first_digit_s=operation.timeout_s,
        inter_digit_s=operation.timeout_s,
        terminators="#",
    )
    if more.outcome == DigitsOutcome.CALLER_GONE:
        return CALLER_GONE
    entry = first + more.digits.rstrip("#")
    if len(entry) == 1 and entry in operation.keys:
        return entry
    if entry in walk.plan.employees:
        walk.dialled_extension = entry
        return "extension"
    walk.subject = entry
    if "wrong_number" in operation.exits:
        return "wrong_number"
    silence = await walk.silence(WRONG_NUMBER_SILENCE_S)
    return CALLER_GONE if silence.outcome == PlayOutcome.CALLER_GONE else ""
