"""One call's way through routing: what operations share while they handle it."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

import aio
from firmware.routing.agents import AgentBoard
from firmware.routing.journal import CallJournal, Step
from firmware.routing.manager_lookup import ManagerFinder
from firmware.routing.plan import RoutingPlan
from firmware.routing.prompts import PromptLibrary, PromptMissing
from firmware.verbs import (
    CallControl,
    CallView,
    EndReason,
    MediaTap,
    PlayOutcome,
    PlayResult,
)

log = logging.getLogger(__name__)


class FaxSession(Protocol):
    """One fax call's receiver (mail's side): its tap, its end, its delivery."""

    @property
    def tap(self) -> MediaTap: ...

    async def wait_finished(self) -> None: ...

    def result(self, line_gone: bool) -> str: ...

    async def deliver(self, recipients: Sequence[str] = (), *, attach_as: str = "pdf") -> bool: ...

    def summary(self) -> dict[str, Any]:
        """What arrived, for history: remote_ident, pages, modem, bit_rate, duration_s,
        result."""
        ...


class FaxDestination(Protocol):
    def session(self, caller_number: str, local_ident: str) -> FaxSession: ...


# Exits every operation may take besides its own (never configured, never followed).
CALLER_GONE = "caller_gone"  # the caller hung up here
ANSWERED = "answered"  # someone took the call: it belongs to the parties now
FINISHED = "finished"  # the operation ended the call (voicemail, fax, hang-up)
BACK = "back"  # `#` in a nested menu: to the previous menu
JUMP = "go"  # to another scenario
FINAL_EXITS = frozenset({CALLER_GONE, ANSWERED, FINISHED})


class CallRecorder(Protocol):
    """Call recording as routing starts it (the voicemail package's RecordingDesk)."""

    @property
    def rules(self) -> Sequence[Any]:
        """The config's recording rules (scope, target)."""
        ...

    async def record_call(
        self, control: CallControl, call: CallView, owner: str, caller: Caller
    ) -> object:
        """Record both parties until the call ends."""
        ...


@dataclass
class Services:
    control: CallControl
    prompts: PromptLibrary
    agents: AgentBoard
    managers: ManagerFinder
    voicemail: VoicemailDesk | None = None
    fax_inbox: FaxDestination | None = None  # where received faxes go (mail)
    recordings: CallRecorder | None = None  # answered calls recorded by the config's rules


@dataclass(frozen=True)
class Caller:
    """Who is leaving a message, from which call, along which scenario path."""

    number: str
    name: str
    line: str
    call_id: str
    path: tuple[str, ...]


class Recording(Protocol):
    @property
    def recorder(self) -> Any: ...


class VoicemailDesk(Protocol):
    """The voicemail boxes as the voicemail operation uses them."""

    def box_for(self, reference: str) -> str | None:
        """The box of an extension or box id ("" for the general box); None if none."""
        ...

    async def is_full(self, box_id: str) -> bool: ...

    async def greeting(self, box_id: str, kind: str) -> np.ndarray | None: ...

    async def record(self, box_id: str, caller: Caller, *, max_s: float) -> Recording | None: ...

    async def deposit(self, recording: Recording) -> None: ...

    async def no_message(
        self, box_id: str, caller: Caller, started_at: float, *, full: bool = False
    ) -> None: ...

    def own_box(self, extension: str) -> str | None: ...

    async def by_phone(
        self,
        control: CallControl,
        prompts: PromptLibrary,
        call: CallView,
        *,
        box_id: str | None,
        from_extension: str = "",
    ) -> str:
        """Voicemail by phone: listen to, save and delete messages, record greetings."""
        ...


@dataclass
class Walk:
    call: CallView
    plan: RoutingPlan
    services: Services
    language: str
    journal: CallJournal = field(init=False)
    started_at: float = field(init=False)
    scenario_id: str = ""
    dialled_extension: str = ""  # what the caller dialled in a menu
    jump_to: str = ""  # set by go-to-scenario
    subject: str = ""  # the call centre or employee the current step concerns
    answered_by: str = ""  # the call-centre member who took the call
    voicemail_box: str = ""  # whose box a forwarded call's voicemail is
    reached_voicemail: bool = False
    receiving_fax: bool = False  # the fax operation runs: a calling tone is expected
    menu_stack: list[str] = field(default_factory=list)
    visited_scenarios: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.journal = CallJournal(self.call.id)
        self.started_at = aio.monotonic()

    @property
    def control(self) -> CallControl:
        return self.services.control

    def waited_s(self) -> float:
        return aio.monotonic() - self.started_at

    def note(self, operation: str, kind: str, exit_name: str, subject: str = "") -> None:
        """Add a step to the call's path (call control's history and routing's journal)."""
        name = f"{self.scenario_id}/{operation}" if self.scenario_id else operation
        self.control.note_step(self.call, name, exit_name)
        self.journal.steps.append(
            Step(aio.wall_time(), self.scenario_id, operation, kind, exit_name, subject)
        )

    async def say(self, prompt: str, *, interrupt: str = "") -> PlayResult:
        """Answer if need be and play a prompt in the call's language. A prompt that is
        missing (a greeting never uploaded) is logged and skipped: the call goes on."""
        await self.control.answer(self.call)
        try:
            audio = self.services.prompts.get(prompt, self.language)
        except PromptMissing as missing:
            log.error("call %s: %s", self.call.id, missing)
            return PlayResult(
                PlayOutcome.CALLER_GONE if self.call.is_over else PlayOutcome.FINISHED
            )
        return await self.control.play(self.call, audio, interrupt_digits=interrupt)

    async def silence(self, seconds: float) -> PlayResult:
        return await self.control.play(self.call, self.services.prompts.silence(seconds))

    async def end(self, prompt: str, reason: EndReason) -> str:
        """A clear announcement, then the end of the call."""
        result = await self.say(prompt)
        if result.outcome != "caller_gone":
            await self.control.hang_up(self.call, reason)
        return FINISHED
