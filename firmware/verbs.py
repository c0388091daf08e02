"""The words of call control: what a call is for reports, and the verbs routing uses.

Routing (and later voicemail and fax) drives a call only through `CallControl`: it never
touches an endpoint, a channel or a port. Every verb returns how it ended, so a scenario
can take the matching exit. The enums here are the values stored in history, so reports
can group by them; a new case is a new member, never a free-text string.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

import numpy as np


class Direction(StrEnum):
    INTERNAL = "internal"
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class EndReason(StrEnum):
    """Why a call (or one leg of it) ended."""

    COMPLETED = "completed"  # a conversation took place and someone hung up
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    UNAVAILABLE = "unavailable"  # nobody to offer it to (no device, all failed)
    INVALID_NUMBER = "invalid_number"
    ALL_LINES_BUSY = "all_lines_busy"
    CALLER_GAVE_UP = "caller_gave_up"
    DECLINED = "declined"
    ANSWERED_ELSEWHERE = "answered_elsewhere"
    TRANSFERRED = "transferred"
    TRANSFER_FAILED = "transfer_failed"
    JOINED_CONFERENCE = "joined_conference"
    HUNG_UP = "hung_up"
    SEIZE_FAILED = "seize_failed"
    GLARE = "glare"  # the line rang as we seized it for an outgoing call
    CANCELLED = "cancelled"  # routing stopped offering (the caller moved on)
    NO_DIAL_TONE = "no_dial_tone"
    LINE_FAILED = "line_failed"
    PORT_FAILED = "port_failed"
    ROUTED_AWAY = "routed_away"  # routing ended the call on purpose (hang-up operation)
    BLACKLISTED = "blacklisted"
    VOICEMAIL = "voicemail"
    FAX = "fax"
    INTERNAL_ERROR = "internal_error"  # an exception while handling the call
    SYSTEM_SHUTDOWN = "system_shutdown"


class HungUpBy(StrEnum):
    CALLER = "caller"
    CALLEE = "callee"
    SYSTEM = "system"
    NOBODY = ""


class PlayOutcome(StrEnum):
    FINISHED = "finished"
    INTERRUPTED = "interrupted"  # a key from `interrupt_digits` was pressed
    CALLER_GONE = "caller_gone"


class DigitsOutcome(StrEnum):
    COMPLETE = "complete"  # `max_digits` collected, or a terminator key pressed
    TIMEOUT = "timeout"  # no key at all before the first-digit timeout, or a gap too long
    CALLER_GONE = "caller_gone"


class OfferMode(StrEnum):
    TOGETHER = "together"  # every target rings at once
    IN_ORDER = "in_order"  # one after the other, each for its own answer time


class OfferOutcome(StrEnum):
    ANSWERED = "answered"
    NO_ANSWER = "no_answer"  # every target rang its answer time out (or declined)
    BUSY = "busy"  # every target was busy
    UNAVAILABLE = "unavailable"  # no target could be rung at all (failed ports, no device)
    CALLER_GONE = "caller_gone"
    CANCELLED = "cancelled"  # the waiting task was cancelled (a queue moved the caller on)


@dataclass(frozen=True)
class OfferTarget:
    """Something to ring: an extension's device or an outside number through a line."""

    extension: str = ""  # an employee's extension: their FXS devices
    device_port: int | None = None  # one FXS port of that extension, when ringing devices apart
    external_number: str = ""  # dialled out on the first free exchange line
    answer_s: float = 30.0  # how long this target rings before it is passed over
    label: str = ""  # who this is in reports (the employee's extension)


@dataclass
class RingAttempt:
    """One target rung for a call: for history, reports and missed-call notices."""

    label: str
    rang_s: float
    outcome: OfferOutcome


@dataclass
class OfferResult:
    outcome: OfferOutcome
    answered_by: str = ""  # the label of the target that answered
    attempts: list[RingAttempt] = field(default_factory=list)


@dataclass(frozen=True)
class DigitsResult:
    digits: str
    outcome: DigitsOutcome


@dataclass(frozen=True)
class PlayResult:
    outcome: PlayOutcome
    digit: str = ""  # the key that interrupted the playback


class MediaTap(Protocol):
    """Something that hears a call's audio each media tick: a recorder, the fax receiver.

    `frame` gets the caller's 160 samples (8 kHz int16) and, for a call bridged to a
    person, the other party's 160 samples (`None` while the system alone is on the call).
    It may return 160 samples to send to the caller instead of what the system plays (the
    fax receiver's answer tones and signals); `None` leaves the caller's audio alone. It
    runs in the media tick, so it copies and returns quickly; disk and mail go elsewhere.
    """

    def frame(self, caller: np.ndarray, other: np.ndarray | None) -> np.ndarray | None: ...


class CallView(Protocol):
    """What routing may read of a call."""

    @property
    def id(self) -> str: ...

    @property
    def caller_number(self) -> str: ...

    @property
    def caller_name(self) -> str: ...

    @property
    def dialled(self) -> str:
        """The number the caller reached (a line's own number, later a SIP DID)."""
        ...

    @property
    def line(self) -> str:
        """The line it came in on, e.g. "FXO/4"; empty for internal calls."""
        ...

    @property
    def is_over(self) -> bool: ...


class CallControl(Protocol):
    """The verbs routing uses. Each coroutine returns when the action is over; every one
    returns promptly with a CALLER_GONE outcome once the caller has hung up."""

    async def answer(self, call: CallView) -> None:
        """The system answers (an exchange line goes off-hook); idempotent."""
        ...

    async def play(
        self,
        call: CallView,
        audio: np.ndarray,
        *,
        interrupt_digits: str = "",
        loop: bool = False,
        max_s: float | None = None,
    ) -> PlayResult:
        """Play 8 kHz int16 audio to the caller until it ends (or `max_s` passes), or until
        a key from `interrupt_digits` is pressed (then PlayResult.digit is that key)."""
        ...

    async def play_tone(self, call: CallView, tone: str, *, max_s: float) -> PlayResult:
        """Play one of the country's tones ("busy", "ringback", "congestion", ...)."""
        ...

    async def collect_digits(
        self,
        call: CallView,
        *,
        max_digits: int,
        first_digit_s: float,
        inter_digit_s: float,
        terminators: str = "#",
    ) -> DigitsResult:
        """Keys the caller presses (DTMF from any channel, exchange lines included).

        Keys pressed during a preceding `play` that were not used to interrupt it are
        kept for this call, as a caller who types ahead expects. A terminator ends the
        collection and is included in `digits`.
        """
        ...

    async def offer(
        self,
        call: CallView,
        targets: Sequence[OfferTarget],
        *,
        mode: OfferMode,
        caller_hears: str = "ringback",  # "ringback", "music" or "silence"
        max_s: float | None = None,
    ) -> OfferResult:
        """Ring targets together or in order; on answer the caller is bridged with the
        target that answered and the verb returns ANSWERED. The call then belongs to the
        parties; routing's work on it is done."""
        ...

    async def hold(self, call: CallView, *, music: bool = True) -> None:
        """The caller waits with music (or ringback when `music` is false) until the next
        verb; cancelled by any other verb."""
        ...

    async def wait_until_gone(self, call: CallView) -> None:
        """Return once the caller hangs up."""
        ...

    async def fax_tone(self, call: CallView) -> bool:
        """Return True once the caller's side sends a fax calling tone (CNG) while the
        system holds the call; False when the caller hangs up or a person answers first."""
        ...

    def add_tap(self, call: CallView, tap: MediaTap) -> Callable[[], None]:
        """Let `tap` hear the call (and optionally speak to the caller) from the next
        media tick until the returned function is called or the call ends."""
        ...

    def note_step(self, call: CallView, operation: str, exit_name: str) -> None:
        """Where routing is with the call: entering an operation (`exit_name` empty) or
        leaving it by `exit_name`; shown while the call lasts."""
        ...

    async def hang_up(self, call: CallView, reason: EndReason) -> None:
        """End the call for everyone, recording `reason`."""
        ...
