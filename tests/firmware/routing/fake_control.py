"""A fake call control for routing tests: callers who press keys when they hear a prompt
and hang up when they lose patience, people who answer after some seconds, talk for a while
or are busy, all on the virtual clock. It keeps what each caller heard and the steps noted."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

import aio
from firmware.routing.prompts import SAMPLE_RATE, PromptLibrary
from firmware.routing.waiting import Signal, first_of
from firmware.verbs import (
    DigitsOutcome,
    DigitsResult,
    EndReason,
    MediaTap,
    OfferMode,
    OfferOutcome,
    OfferResult,
    OfferTarget,
    PlayOutcome,
    PlayResult,
    RingAttempt,
)

_call_numbers = itertools.count(1)  # unique across rigs, as call ids in one history are


@dataclass
class Press:
    """The caller presses `keys` `after_s` seconds into hearing `prompt` ("" = the start)."""

    keys: str
    prompt: str = ""
    after_s: float = 1.0


@dataclass
class Person:
    """Someone (or a phone) that can be rung."""

    answers_after_s: float | None = 3.0  # None: never answers
    talks_s: float = 60.0
    busy: bool = False  # busy with a call routing does not know about
    failed: bool = False  # the port has failed: cannot ring at all
    in_call: bool = False
    answered: int = 0


@dataclass
class FakeCall:
    id: str
    caller_number: str = "84951234567"
    caller_name: str = ""
    dialled: str = ""
    line: str = "FXO/4"
    presses: list[Press] = field(default_factory=list)
    patience_s: float | None = None  # hangs up this long after calling
    fax_tone_after_s: float | None = None  # a fax machine: its calling tone starts this late
    heard: list[tuple[float, str]] = field(default_factory=list)
    audio: list[np.ndarray] = field(default_factory=list)  # every prompt played, as played
    steps: list[tuple[str, str]] = field(default_factory=list)
    end_reason: EndReason | None = None
    answered_by: str = ""
    system_answered: bool = False
    started: float = 0.0
    started_wall: float = 0.0
    keys: list[str] = field(default_factory=list)
    key_pressed: Signal = field(default_factory=Signal)
    gone: aio.Event = field(default_factory=aio.Event)
    # What the caller's side sends into a media tap, given what it heard last frame
    # (None: silence, a person who dialled a fax number).
    line_audio: Callable[[np.ndarray], np.ndarray] | None = None
    # What the person who answered says into a media tap, a frame at a time (None: the
    # tap hears no other party, as while the system alone is on the call).
    answerer_audio: Callable[[], np.ndarray] | None = None
    taps: list[MediaTap] = field(default_factory=list)

    @property
    def is_over(self) -> bool:
        return self.gone.is_set()

    def heard_names(self) -> list[str]:
        return [name for _, name in self.heard]

    def exits(self) -> list[tuple[str, str]]:
        return [step for step in self.steps if not step[0].endswith("/")]


class FakeCallControl:
    def __init__(self, prompts: PromptLibrary, people: dict[str, Person] | None = None) -> None:
        self.prompts = prompts
        self.people = people if people is not None else {}
        self.calls: list[FakeCall] = []
        self._tasks: set[aio.Task] = set()

    def call(self, **details: object) -> FakeCall:
        call = FakeCall(id=f"call-{next(_call_numbers)}", **details)  # type: ignore[arg-type]
        call.started = aio.monotonic()
        call.started_wall = aio.wall_time()
        self.calls.append(call)
        self._react(call, "")
        if call.patience_s is not None:
            self._later(call.patience_s, lambda: self._caller_hangs_up(call))
        return call

    def _later(self, delay: float, action) -> None:
        async def run() -> None:
            await aio.sleep(delay)
            action()

        task = aio.create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _react(self, call: FakeCall, prompt: str) -> None:
        for press in list(call.presses):
            if press.prompt == prompt:
                call.presses.remove(press)
                self._later(press.after_s, lambda keys=press.keys: self._press(call, keys))
                return

    def _press(self, call: FakeCall, keys: str) -> None:
        if not call.is_over:
            call.keys.extend(keys)
            call.key_pressed.notify()

    def _caller_hangs_up(self, call: FakeCall) -> None:
        if not call.is_over:
            call.end_reason = call.end_reason or EndReason.CALLER_GAVE_UP
            call.gone.set()

    def _hear(self, call: FakeCall, what: str) -> None:
        call.heard.append((round(aio.monotonic() - call.started, 3), what))

    # The verbs.

    async def answer(self, call: FakeCall) -> None:
        call.system_answered = True

    async def play(
        self,
        call: FakeCall,
        audio: np.ndarray,
        *,
        interrupt_digits: str = "",
        loop: bool = False,
        max_s: float | None = None,
    ) -> PlayResult:
        if call.is_over:
            return PlayResult(PlayOutcome.CALLER_GONE)
        name = self.prompts.name_of(audio) or "audio"
        call.audio.append(audio)
        self._hear(call, name)
        self._react(call, name)
        length = float("inf") if loop else len(audio) / SAMPLE_RATE
        deadline = aio.monotonic() + (min(length, max_s) if max_s is not None else length)
        while True:
            if call.is_over:
                return PlayResult(PlayOutcome.CALLER_GONE)
            for index, key in enumerate(call.keys):
                if key in interrupt_digits:
                    del call.keys[: index + 1]
                    return PlayResult(PlayOutcome.INTERRUPTED, key)
            left = deadline - aio.monotonic()
            if left <= 0:
                return PlayResult(PlayOutcome.FINISHED)
            await first_of(call.key_pressed.wait(), aio.sleep(left), call.gone.wait())

    async def play_tone(self, call: FakeCall, tone: str, *, max_s: float) -> PlayResult:
        if call.is_over:
            return PlayResult(PlayOutcome.CALLER_GONE)
        self._hear(call, f"tone:{tone}")
        which = await first_of(aio.sleep(max_s), call.gone.wait())
        return PlayResult(PlayOutcome.CALLER_GONE if which == 1 else PlayOutcome.FINISHED)

    async def collect_digits(
        self,
        call: FakeCall,
        *,
        max_digits: int,
        first_digit_s: float,
        inter_digit_s: float,
        terminators: str = "#",
    ) -> DigitsResult:
        digits = ""
        while len(digits) < max_digits:
            if call.is_over:
                return DigitsResult(digits, DigitsOutcome.CALLER_GONE)
            if call.keys:
                key = call.keys.pop(0)
                digits += key
                if key in terminators:
                    break
                continue
            wait_s = inter_digit_s if digits else first_digit_s
            which = await first_of(call.key_pressed.wait(), aio.sleep(wait_s), call.gone.wait())
            if which == 1:
                return DigitsResult(digits, DigitsOutcome.TIMEOUT)
        return DigitsResult(digits, DigitsOutcome.COMPLETE)

    async def offer(
        self,
        call: FakeCall,
        targets: Sequence[OfferTarget],
        *,
        mode: OfferMode,
        caller_hears: str = "ringback",
        max_s: float | None = None,
    ) -> OfferResult:
        if call.is_over:
            return OfferResult(OfferOutcome.CALLER_GONE)
        self._hear(call, caller_hears)
        groups = [list(targets)] if mode == OfferMode.TOGETHER else [[t] for t in targets]
        attempts: list[RingAttempt] = []
        outcomes: list[OfferOutcome] = []
        started = aio.monotonic()
        for group in groups:
            left = None if max_s is None else max_s - (aio.monotonic() - started)
            if left is not None and left <= 0:
                break
            result = await self._ring(call, group, left, attempts)
            if result in (OfferOutcome.ANSWERED, OfferOutcome.CALLER_GONE):
                return OfferResult(result, call.answered_by, attempts)
            outcomes.append(result)
        if outcomes and all(o == OfferOutcome.BUSY for o in outcomes):
            return OfferResult(OfferOutcome.BUSY, attempts=attempts)
        if outcomes and all(o == OfferOutcome.UNAVAILABLE for o in outcomes):
            return OfferResult(OfferOutcome.UNAVAILABLE, attempts=attempts)
        return OfferResult(OfferOutcome.NO_ANSWER, attempts=attempts)

    def person(self, target: OfferTarget) -> Person | None:
        return self.people.get(target.external_number or target.label or target.extension)

    async def _ring(
        self,
        call: FakeCall,
        group: list[OfferTarget],
        max_s: float | None,
        attempts: list[RingAttempt],
    ) -> OfferOutcome:
        ringing: list[tuple[OfferTarget, Person]] = []
        busy = False
        for target in group:
            person = self.person(target)
            name = target.external_number or target.label
            if person is None or person.failed:
                attempts.append(RingAttempt(name, 0.0, OfferOutcome.UNAVAILABLE))
            elif person.busy or person.in_call:
                busy = True
                attempts.append(RingAttempt(name, 0.0, OfferOutcome.BUSY))
            else:
                ringing.append((target, person))
        if not ringing:
            return OfferOutcome.BUSY if busy else OfferOutcome.UNAVAILABLE
        limit = max(target.answer_s for target, _ in ringing)
        if max_s is not None:
            limit = min(limit, max_s)
        answers = [
            (person.answers_after_s, target, person)
            for target, person in ringing
            if person.answers_after_s is not None
            and person.answers_after_s < min(target.answer_s, limit)
        ]
        first = min(answers, key=lambda item: item[0]) if answers else None
        wait_s = first[0] if first else limit
        started = aio.monotonic()
        try:
            which = await first_of(aio.sleep(wait_s), call.gone.wait())
        except aio.CancelledError:
            rang = aio.monotonic() - started
            for target, _ in ringing:
                attempts.append(RingAttempt(target.label, rang, OfferOutcome.CANCELLED))
            raise
        rang = aio.monotonic() - started
        if which == 1:
            for target, _ in ringing:
                attempts.append(RingAttempt(target.label, rang, OfferOutcome.CALLER_GONE))
            return OfferOutcome.CALLER_GONE
        for target, person in ringing:
            if first is not None and person is first[2]:
                attempts.append(RingAttempt(target.label, rang, OfferOutcome.ANSWERED))
            elif first is not None:
                attempts.append(RingAttempt(target.label, rang, OfferOutcome.CANCELLED))
            else:
                attempts.append(
                    RingAttempt(target.label, min(target.answer_s, rang), OfferOutcome.NO_ANSWER)
                )
        if first is None:
            return OfferOutcome.NO_ANSWER
        _, target, person = first
        self._connect(call, target, person)
        return OfferOutcome.ANSWERED

    def _connect(self, call: FakeCall, target: OfferTarget, person: Person) -> None:
        call.answered_by = target.label or target.external_number
        person.in_call = True
        person.answered += 1
        self._hear(call, f"talking:{call.answered_by}")

        def conversation_over() -> None:
            person.in_call = False
            if not call.is_over:
                call.end_reason = EndReason.COMPLETED
                call.gone.set()

        self._later(person.talks_s, conversation_over)

    async def hold(self, call: FakeCall, *, music: bool = True) -> None:
        if not call.is_over:
            self._hear(call, "music" if music else "ringback")

    def add_tap(self, call: FakeCall, tap: MediaTap) -> Callable[[], None]:
        """Every 20 ms of virtual time the tap hears the caller's side (and, once a person
        answered, theirs) and answers it."""
        call.taps.append(tap)
        self._hear(call, "media_tap")
        frame_s = 160 / SAMPLE_RATE

        async def feed() -> None:
            heard = np.zeros(160, dtype=np.int16)
            while tap in call.taps and not call.is_over:
                said = call.line_audio(heard) if call.line_audio else np.zeros(160, np.int16)
                other = None
                if call.answered_by and call.answerer_audio is not None:
                    other = call.answerer_audio()
                reply = tap.frame(said, other)
                heard = np.zeros(160, np.int16) if reply is None else reply
                await aio.sleep(frame_s)

        task = aio.create_task(feed())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

        def remove() -> None:
            if tap in call.taps:
                call.taps.remove(tap)

        return remove

    async def fax_tone(self, call: FakeCall) -> bool:
        if call.fax_tone_after_s is None:
            await call.gone.wait()
            return False
        left = call.fax_tone_after_s - (aio.monotonic() - call.started)
        which = await first_of(aio.sleep(max(left, 0.0)), call.gone.wait())
        if which == 0:
            self._hear(call, "fax_tone_heard")
        return which == 0

    async def wait_until_gone(self, call: FakeCall) -> None:
        await call.gone.wait()

    def note_step(self, call: FakeCall, operation: str, exit_name: str) -> None:
        if exit_name:  # the exits taken; entering an operation only moves the live view
            call.steps.append((operation, exit_name))

    async def hang_up(self, call: FakeCall, reason: EndReason) -> None:
        if not call.is_over:
            call.end_reason = reason
            self._hear(call, f"hung_up:{reason}")
            call.gone.set()
