"""Voicemail by phone: a box's owner (or anyone with its PIN) listens to the messages newest
first, repeats, saves or deletes them, calls the caller back, and records greetings and
their name, all from a telephone's keypad.

It drives the call only through call control's verbs (play, collect digits, a media tap
for recording greetings, offer for calling back), so it works the same on an extension, an
exchange line or the simulator. Prompts are spoken in the box's language.

Keys while a message plays or after it: 1 again, 3 call back, 6 or # next, 7 delete,
9 save, * main menu. Main menu: 1 messages, 0 greetings, * or # end.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

import numpy as np

from firmware.config.voicemail import VoicemailBox
from firmware.verbs import (
    CallControl,
    CallView,
    DigitsOutcome,
    EndReason,
    OfferMode,
    OfferOutcome,
    OfferTarget,
    PlayOutcome,
)
from firmware.voicemail.boxes import Voicemail
from firmware.voicemail.greeting_tap import GreetingTap
from firmware.voicemail.index import Message

log = logging.getLogger(__name__)

KEY_WAIT_S = 6.0  # after a menu, how long the keypad is waited for
INTER_DIGIT_S = 4.0
MAX_BOX_DIGITS = 8
MAX_PIN_DIGITS = 8
MENU_REPEATS = 3  # a menu with no answer is said this often, then goodbye
BOX_ATTEMPTS = 3
GREETING_MAX_S = 60.0
GREETING_SILENCE_END_S = 4.0
CALL_BACK_RING_S = 45.0
MESSAGE_KEYS = "1369#7*"
GREETING_KEYS = {"1": "unavailable", "2": "busy", "3": "after_hours", "4": "temporary", "5": "name"}
REMOVE_TEMPORARY_KEY = "7"


class Prompts(Protocol):
    """The built-in prompts (routing's PromptLibrary has them)."""

    def get(self, name: str, language: str) -> np.ndarray: ...


class Ending(StrEnum):
    """How a by-phone session ended, for logs and tests."""

    DONE = "done"  # the user said goodbye (or stopped pressing keys)
    CALLER_GONE = "caller_gone"
    WRONG_PIN = "wrong_pin"  # too many wrong PINs: hung up
    NO_BOX = "no_box"  # no such box (or none for this phone)
    CALLED_BACK = "called_back"  # bridged to the caller of a message


class _Gone(Exception):
    """The user hung up: unwinds every menu at once."""


@dataclass(frozen=True)
class Access:
    """Which box, and whether its PIN is asked."""

    box_id: str | None  # None: ask which box
    own_phone_extension: str = ""  # the extension calling, when it dials its own box


class VoicemailByPhone:
    def __init__(self, voicemail: Voicemail, control: CallControl, prompts: Prompts) -> None:
        self.voicemail = voicemail
        self.control = control
        self.prompts = prompts

    def find_box(self, dialled: str) -> str | None:
        """A box by its id or by its owner's extension."""
        boxes = self.voicemail.config.voicemail.boxes
        for box in boxes:
            if box.id == dialled:
                return box.id
        return next((box.id for box in boxes if box.owner and box.owner == dialled), None)

    async def run(self, call: CallView, access: Access) -> Ending:
        session = _Session(self, call, self.voicemail.config.system.language)
        try:
            return await session.run(access)
        except _Gone:
            return Ending.CALLER_GONE


class _Session:
    def __init__(self, desk: VoicemailByPhone, call: CallView, language: str) -> None:
        self.desk = desk
        self.control = desk.control
        self.voicemail = desk.voicemail
        self.call = call
        self.language = language

    # Building blocks ------------------------------------------------------------------

    async def say(self, prompt: str, *, interrupt: str = "") -> str:
        """Play a prompt; returns the key that cut it short ("" if none)."""
        return await self.play(self.desk.prompts.get(prompt, self.language), interrupt=interrupt)

    async def play(self, audio: np.ndarray, *, interrupt: str = "") -> str:
        played = await self.control.play(self.call, audio, interrupt_digits=interrupt)
        if played.outcome == PlayOutcome.CALLER_GONE:
            raise _Gone
        return played.digit if played.outcome == PlayOutcome.INTERRUPTED else ""

    async def say_number(self, digits: str) -> None:
        for digit in digits:
            if digit.isdigit():
                await self.say(f"digit_{digit}")

    async def keys(self, *, max_digits: int, first_s: float = KEY_WAIT_S) -> str:
        collected = await self.control.collect_digits(
            self.call,
            max_digits=max_digits,
            first_digit_s=first_s,
            inter_digit_s=INTER_DIGIT_S,
            terminators="#",
        )
        if collected.outcome == DigitsOutcome.CALLER_GONE:
            raise _Gone
        return collected.digits

    async def number(self, prompt: str, max_digits: int) -> str:
        """Say `prompt` and collect a number; typing may start while it plays."""
        first = await self.say(prompt, interrupt="0123456789")
        return first + await self.keys(max_digits=max_digits - len(first))

    async def menu(self, prompt: str, keys: str) -> str:
        """Say a menu until one of `keys` is pressed; "" after MENU_REPEATS silent rounds."""
        for _ in range(MENU_REPEATS):
            key = await self.say(prompt, interrupt=keys) or await self.keys(max_digits=1)
            if key in keys and key:
                return key
            if key:
                await self.say("voicemail_invalid_key")
        return ""

    async def goodbye(self, reason: EndReason = EndReason.COMPLETED) -> None:
        await self.say("goodbye")
        await self.control.hang_up(self.call, reason)

    # The session ----------------------------------------------------------------------

    async def run(self, access: Access) -> Ending:
        await self.control.answer(self.call)
        box_id = access.box_id
        if box_id is None:
            box_id = await self.ask_box()
        if box_id is None:
            await self.goodbye()
            return Ending.NO_BOX
        box = self.voicemail.box(box_id)
        self.language = box.language or self.language
        if not await self.log_in(box, access):
            await self.goodbye(EndReason.ROUTED_AWAY)
            return Ending.WRONG_PIN
        log.info("call %s: voicemail box %s opened by phone", self.call.id, box.id)
        ending = await self.main_menu(box)
        if ending is Ending.DONE:
            await self.goodbye()
        return ending

    async def ask_box(self) -> str | None:
        for _ in range(BOX_ATTEMPTS):
            dialled = (await self.number("voicemail_enter_box", MAX_BOX_DIGITS)).rstrip("#")
            box_id = self.desk.find_box(dialled) if dialled else None
            if box_id is not None:
                return box_id
            await self.say("voicemail_no_such_box")
        return None

    async def log_in(self, box: VoicemailBox, access: Access) -> bool:
        own_phone = bool(access.own_phone_extension) and access.own_phone_extension == box.owner
        if not box.pin or (own_phone and not self.voicemail.config.voicemail.pin_on_own_phone):
            return True
        while True:
            pin = (await self.number("enter_pin", MAX_PIN_DIGITS + 1)).rstrip("#")
            checked = await self.voicemail.check_pin(box.id, pin)
            if checked.accepted:
                return True
            log.warning("call %s: wrong PIN for box %s", self.call.id, box.id)
            await self.say("pin_wrong")
            if checked.attempts_left == 0:
                return False

    async def main_menu(self, box: VoicemailBox) -> Ending:
        messages = await self.voicemail.messages(box.id)
        new = sum(1 for message in messages if not message.heard)
        if new:
            await self.say("voicemail_new_count")
            await self.say_number(str(new))
        else:
            await self.say("voicemail_no_new")
        while True:
            key = await self.menu("voicemail_main_menu", "10*#")
            if key == "1":
                ending = await self.listen(box)
                if ending is not None:
                    return ending
            elif key == "0":
                await self.greetings(box)
            else:
                return Ending.DONE

    async def listen(self, box: VoicemailBox) -> Ending | None:
        """Every message, newest first; None when back at the main menu."""
        messages = await self.voicemail.messages(box.id)
        if not messages:
            await self.say("voicemail_no_messages")
            return None
        for message in messages:
            outcome = await self.one_message(message)
            if outcome == "*":
                return None
            if isinstance(outcome, Ending):
                return outcome
        await self.say("voicemail_no_more")
        return None

    async def one_message(self, message: Message) -> str | Ending:
        """Play one message and act on the key: "next", "*" (main menu) or an Ending."""
        audio = await self.voicemail.audio(message)
        number = message.call.caller_number
        if number:
            key = await self.say("voicemail_message_from", interrupt=MESSAGE_KEYS)
            if not key:
                await self.say_number(number)
        else:
            key = await self.say("voicemail_message_unknown", interrupt=MESSAGE_KEYS)
        while True:
            if not key:
                key = await self.play(audio, interrupt=MESSAGE_KEYS)
                if not message.heard:
                    await self.voicemail.mark_heard(message)
            if not key:
                key = await self.menu("voicemail_message_menu", MESSAGE_KEYS)
            if key == "1":
                key = ""
            elif key == "3":
                if await self.call_back(message):
                    return Ending.CALLED_BACK
                key = await self.menu("voicemail_message_menu", MESSAGE_KEYS)
            elif key == "7":
                await self.voicemail.delete(message)
                await self.say("voicemail_deleted")
                return "next"
            elif key == "9":
                await self.voicemail.save(message)
                await self.say("voicemail_saved")
                return "next"
            elif key == "*":
                return "*"
            elif key in ("6", "#"):
                return "next"
            else:  # no key at all: the user has walked away
                return Ending.DONE

    async def call_back(self, message: Message) -> bool:
        number = message.call.caller_number
        if not number:
            await self.say("voicemail_message_unknown")
            return False
        await self.say("voicemail_calling_back")
        target = OfferTarget(external_number=number, answer_s=CALL_BACK_RING_S, label=number)
        offered = await self.control.offer(self.call, [target], mode=OfferMode.IN_ORDER)
        if offered.outcome == OfferOutcome.ANSWERED:
            return True
        if offered.outcome == OfferOutcome.CALLER_GONE:
            raise _Gone
        await self.say("voicemail_call_back_failed")
        return False

    async def greetings(self, box: VoicemailBox) -> None:
        while True:
            key = await self.menu("voicemail_greetings_menu", "12345" + REMOVE_TEMPORARY_KEY + "*")
            if key in GREETING_KEYS:
                await self.record_greeting(box, GREETING_KEYS[key])
            elif key == REMOVE_TEMPORARY_KEY:
                await self.voicemail.delete_greeting(box.id, "temporary")
                await self.say("voicemail_greeting_removed")
            else:
                return

    async def record_greeting(self, box: VoicemailBox, kind: str) -> None:
        while True:
            await self.say("voicemail_record_greeting")
            await self.say("beep")
            tap = GreetingTap(max_s=GREETING_MAX_S, silence_end_s=GREETING_SILENCE_END_S)
            remove = self.control.add_tap(self.call, tap)
            try:
                while not self.call.is_over and not tap.full:
                    keys = await self.control.collect_digits(
                        self.call, max_digits=1, first_digit_s=0.5, inter_digit_s=0.5
                    )
                    if keys.digits == "#":
                        break
            finally:
                remove()
            if self.call.is_over:
                raise _Gone
            audio = tap.audio()
            if len(audio) == 0:
                await self.say("voicemail_nothing_recorded")
                return
            await self.play(audio, interrupt="12*")
            key = await self.menu("voicemail_greeting_review", "12*")
            if key == "1":
                await self.voicemail.set_greeting(box.id, kind, audio)
                await self.say("voicemail_greeting_saved")
                return
            if key != "2":
                return
