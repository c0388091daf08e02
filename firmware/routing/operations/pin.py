"""PIN authorisation: a code of any length ended by # or a pause, a few attempts → `yes` /
`no`."""

from __future__ import annotations

from firmware.config.routing import Pin
from firmware.routing.walk import CALLER_GONE, Walk
from firmware.verbs import DigitsOutcome, PlayOutcome

MAX_PIN_DIGITS = 20
KEYS = "0123456789#"


async def run(operation: Pin, walk: Walk) -> str:
    for attempt in range(operation.attempts):
        if attempt:
            played = await walk.say("pin_wrong")
            if played.outcome == PlayOutcome.CALLER_GONE:
                return CALLER_GONE
        played = await walk.say(operation.prompt, interrupt=KEYS)
        if played.outcome == PlayOutcome.CALLER_GONE:
            return CALLER_GONE
        entered = played.digit
        if entered != "#":
            collected = await walk.control.collect_digits(
                walk.call,
                max_digits=MAX_PIN_DIGITS,
                first_digit_s=operation.inter_digit_s,
                inter_digit_s=operation.inter_digit_s,
                terminators="#",
            )
            if collected.outcome == DigitsOutcome.CALLER_GONE:
                return CALLER_GONE
            entered += collected.digits
        if entered.rstrip("#") in operation.codes:
            return "yes"
    return "no"
