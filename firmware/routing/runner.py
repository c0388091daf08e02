"""The routing runner: walks each inbound call through its scenario, operation by operation.

The engine's single inbound entry point calls `handle_inbound(call)` once per call (and the
dial plan `handle_direct(call, extension)` for a call dialled straight to an extension);
the runner speaks to the call only through call control's verbs. An exit left unset takes a
safe default: a call always ends with a person, voicemail or a clear announcement.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

import aio
from aio import host
from firmware.config.routing import FaxReception, Menu, OperationConfig
from firmware.config.schema import Config
from firmware.routing import inbound
from firmware.routing.agents import AgentBoard
from firmware.routing.call_history import CallHistory
from firmware.routing.journal import Attribution, Journal
from firmware.routing.manager_lookup import ManagerFinder, PartnerHistory
from firmware.routing.operations import (
    announcement,
    call_centre,
    extension,
    fax,
    forwarding,
    go_to_scenario,
    hang_up,
    menu,
    personal_manager,
    pin,
    voicemail,
    working_hours,
)
from firmware.routing.plan import RoutingPlan
from firmware.routing.prompts import PromptLibrary
from firmware.routing.recording import recording_owner
from firmware.routing.ringing import ring_employee
from firmware.routing.walk import (
    ANSWERED,
    BACK,
    CALLER_GONE,
    FINAL_EXITS,
    FINISHED,
    JUMP,
    Caller,
    CallRecorder,
    Services,
    VoicemailDesk,
    Walk,
)
from firmware.verbs import CallControl, CallView, EndReason

log = logging.getLogger(__name__)

Run = Callable[[Any, Walk], Awaitable[str]]
OPERATIONS: dict[str, Run] = {
    "announcement": announcement.run,
    "menu": menu.run,
    "working_hours": working_hours.run,
    "pin": pin.run,
    "call_centre": call_centre.run,
    "extension": extension.run,
    "personal_manager": personal_manager.run,
    "voicemail": voicemail.run,
    "fax": fax.run,
    "go_to_scenario": go_to_scenario.run,
    "hang_up": hang_up.run,
}
# An unset exit that stands for another one of the same operation.
FALLBACK_EXITS = {
    ("working_hours", "holiday"): "closed",
    ("call_centre", "timeout"): "no_answer",
    ("extension", "wrong_number"): "failed",
}
# An announcement with nowhere to go has said what it had to say: goodbye.
GOODBYE_EXITS = {("announcement", "next")}
MAX_STEPS = 200  # a caller looping through menus this long is ended politely
BLACKLIST_TONE_S = 10.0


class RoutingRunner:
    """Routes calls by the scenarios of the config it was given (see `apply`)."""

    def __init__(
        self,
        control: CallControl,
        config: Config,
        *,
        prompts: PromptLibrary | None = None,
        journal: Journal | None = None,
        history: PartnerHistory | None = None,
        agents: AgentBoard | None = None,
        voicemail: VoicemailDesk | None = None,
        recordings: CallRecorder | None = None,
    ) -> None:
        self.journal = journal or Journal(None)
        self.agents = agents or AgentBoard(
            logged_in=self.journal.logged_in_agents(), record_session=self._record_session
        )
        self.services = Services(
            control=control,
            prompts=prompts or PromptLibrary(),
            agents=self.agents,
            managers=ManagerFinder(history),
            voicemail=voicemail,
            recordings=recordings,
        )
        self.plan = RoutingPlan.from_config(config)

    @classmethod
    def for_data_directory(
        cls,
        control: CallControl,
        config: Config,
        history_db: Path,
        greetings: Path,
        *,
        voicemail: VoicemailDesk | None = None,
    ) -> RoutingRunner:
        """The runner as the engine composes it: history and greetings under the data dir,
        messages into the voicemail boxes."""
        return cls(
            control,
            config,
            prompts=PromptLibrary(greetings),
            journal=Journal(history_db),
            history=CallHistory(history_db),
            voicemail=voicemail,
        )

    def apply(self, config: Config) -> None:
        """Route new calls by `config`; calls being routed keep the plan they started with."""
        self.plan = RoutingPlan.from_config(config)

    async def handle_inbound(self, call: CallView) -> None:
        """Route an outside call from the moment it rings in until routing's work is done."""
        walk = self._walk(call, self.plan.language)
        if await self._guarded(walk, self._inbound(walk)) == ANSWERED:
            await self._record_if_asked(walk)

    async def handle_direct(self, call: CallView, extension: str) -> None:
        """A call dialled to an extension (internal, or an outside caller put through):
        ring it, then the employee's forwarding rules."""
        walk = self._walk(call, self.plan.employee_language(extension))
        if await self._guarded(walk, self._direct(walk, extension)) == ANSWERED:
            await self._record_if_asked(walk)

    def is_agent_code(self, dialled: str) -> bool:
        codes = self.plan.config.routing.agent_codes
        return dialled in (codes.log_in, codes.log_out)

    async def handle_agent_code(self, call: CallView, extension: str, dialled: str) -> None:
        """An agent dialled the log-in or log-out code: switch them and confirm it."""
        codes = self.plan.config.routing.agent_codes
        walk = self._walk(call, self.plan.employee_language(extension))
        if not await self.agents.feature_code(codes, extension, dialled):
            await walk.end("number_does_not_exist", EndReason.INVALID_NUMBER)
            return
        logged_in = self.agents.agent(extension).logged_in
        prompt = "agent_logged_in" if logged_in else "agent_logged_out"
        await walk.end(prompt, EndReason.COMPLETED)

    def is_voicemail_code(self, dialled: str) -> bool:
        codes = self.plan.config.voicemail.codes
        return self.services.voicemail is not None and dialled in (codes.own_box, codes.any_box)

    async def handle_voicemail_code(self, call: CallView, extension: str, dialled: str) -> None:
        """An extension dialled a voicemail code: its own box (no PIN from its own phone
        unless configured) or, with the other code, any box by number and PIN."""
        walk = self._walk(call, self.plan.employee_language(extension))
        await self._guarded(walk, self._voicemail_by_phone(walk, extension, dialled))

    async def _voicemail_by_phone(self, walk: Walk, extension: str, dialled: str) -> str:
        desk = self.services.voicemail
        if desk is None:
            return await walk.end("number_does_not_exist", EndReason.INVALID_NUMBER)
        box_id: str | None = None
        if dialled == self.plan.config.voicemail.codes.own_box:
            box_id = desk.own_box(extension)
            if box_id is None:
                return await walk.end("voicemail_no_box", EndReason.INVALID_NUMBER)
        walk.note("", "voicemail_by_phone", "entered", box_id or "")
        ending = await desk.by_phone(
            walk.control, walk.services.prompts, walk.call, box_id=box_id, from_extension=extension
        )
        log.info("call %s: voicemail by phone from %s ended: %s", walk.call.id, extension, ending)
        return FINISHED

    async def run_scenario(self, call: CallView, scenario_id: str) -> None:
        """An operator sends a call they are in into a scenario ("by option" in reports)."""
        walk = self._walk(call, self.plan.language)
        exit_name = await self._guarded(walk, self._scenario(walk, scenario_id, by_operator=True))
        if exit_name == ANSWERED:
            await self._record_if_asked(walk)

    def _walk(self, call: CallView, language: str) -> Walk:
        return Walk(call=call, plan=self.plan, services=self.services, language=language)

    async def _guarded(self, walk: Walk, work: Awaitable[str]) -> str:
        """Run the walk; its final exit ("" after an error)."""
        try:
            return await work
        except aio.CancelledError:
            raise
        except Exception:
            log.exception("call %s on %s: routing failed", walk.call.id, walk.call.line)
            walk.note("", "error", "internal_error")
            if not walk.call.is_over:
                await walk.control.hang_up(walk.call, EndReason.INTERNAL_ERROR)
            return ""
        finally:
            try:
                await self.journal.write(walk.journal)
            except Exception:
                log.exception("call %s: routing journal not written", walk.call.id)

    async def _inbound(self, walk: Walk) -> str:
        where = inbound.choose(walk.plan, walk.call)
        if where.kind == "blacklisted":
            return await self._blacklisted(walk)
        if where.kind == "vip":
            employee = walk.plan.employees[where.target]
            walk.note(where.target, "vip", "ringing", where.target)
            ring_s = employee.calls.forwarding.no_answer_after_s
            rung = await ring_employee(walk, employee, ring_s=ring_s)
            if rung.case in ("answered", "caller_gone"):
                return ANSWERED if rung.case == "answered" else CALLER_GONE
            if not where.then:
                return await _safe_end(walk)
            return await self._scenario(walk, where.then)
        if where.kind == "scenario":
            if where.detect_fax:
                return await self._listening_for_fax(walk, self._scenario(walk, where.target))
            return await self._scenario(walk, where.target)
        log.warning("call %s: no route for line %r", walk.call.id, walk.call.line)
        return await _safe_end(walk)

    async def _listening_for_fax(self, walk: Walk, scenario: Coroutine[Any, Any, str]) -> str:
        """Walk the scenario while listening for a fax machine's calling tone; on hearing
        it, wherever the call is, it goes to fax reception."""
        walking = aio.create_task(scenario)
        listening = aio.create_task(walk.control.fax_tone(walk.call))
        either = aio.Event()
        walking.add_done_callback(lambda _task: either.set())
        listening.add_done_callback(lambda _task: either.set())
        try:
            await either.wait()
            fax_heard = listening.done() and listening.result()
            if fax_heard and not walking.done() and not walk.receiving_fax:
                walking.cancel()
                with contextlib.suppress(aio.CancelledError):
                    await walking
                walk.note("", "fax_detection", "fax")
                reception = FaxReception(email=walk.plan.config.routing.inbound.fax_email)
                return await fax.run(reception, walk)
            return await walking
        finally:
            for task in (walking, listening):
                if not task.done():
                    task.cancel()
                    with contextlib.suppress(aio.CancelledError):
                        await task

    async def _blacklisted(self, walk: Walk) -> str:
        walk.note("", "blacklist", walk.plan.config.routing.inbound.blacklist_answer)
        if walk.plan.config.routing.inbound.blacklist_answer == "message":
            return await walk.end("blacklisted", EndReason.BLACKLISTED)
        played = await walk.control.play_tone(walk.call, "busy", max_s=BLACKLIST_TONE_S)
        if played.outcome != "caller_gone":
            await walk.control.hang_up(walk.call, EndReason.BLACKLISTED)
        return FINISHED

    async def _direct(self, walk: Walk, extension: str) -> str:
        employee = walk.plan.employees.get(extension)
        if employee is None:
            return await walk.end("number_does_not_exist", EndReason.INVALID_NUMBER)
        rules = employee.calls.forwarding
        rung = await ring_employee(walk, employee, ring_s=rules.no_answer_after_s)
        walk.note(extension, "direct", rung.case, extension)
        if rung.case == "answered":
            walk.journal.attribution = Attribution(extension, "answered")
            return ANSWERED
        if rung.case == "caller_gone":
            walk.journal.attribution = Attribution(extension, "missed")
            return CALLER_GONE
        return await forwarding.apply(walk, employee, rung.case, getattr(rules, rung.case))

    async def _scenario(self, walk: Walk, scenario_id: str, *, by_operator: bool = False) -> str:
        """Walk the call from the start of `scenario_id` until an operation finishes it."""
        steps = 0
        while True:
            scenario = walk.plan.scenarios[scenario_id]
            walk.scenario_id = scenario.id
            walk.language = scenario.language or walk.plan.language
            entry = "operator" if by_operator else "entered"
            if scenario.id in walk.visited_scenarios:
                entry = "re_entered"
            walk.visited_scenarios.add(scenario.id)
            walk.note("", "scenario", entry)
            by_operator = False
            name = scenario.start
            while True:
                steps += 1
                if steps > MAX_STEPS:
                    return await _safe_end(walk)
                operation = scenario.operations[name]
                entering_menu = operation.type == "menu" and walk.menu_stack[-1:] != [name]
                if entering_menu:
                    walk.menu_stack.append(name)
                walk.subject = ""
                walk.control.note_step(walk.call, f"{scenario.id}/{name}", "")  # entering
                exit_name = await OPERATIONS[operation.type](operation, walk)
                walk.note(name, operation.type, exit_name, walk.subject)
                if exit_name in FINAL_EXITS:
                    return exit_name
                if exit_name == JUMP:
                    scenario_id = walk.jump_to
                    walk.menu_stack.clear()
                    break
                if exit_name == BACK:
                    walk.menu_stack.pop()
                    name = walk.menu_stack[-1]
                    continue
                following = _follow(operation, exit_name)
                if following is None:
                    if (operation.type, exit_name) in GOODBYE_EXITS:
                        return await walk.end("goodbye", EndReason.ROUTED_AWAY)
                    return await _safe_end(walk)
                name = following

    async def _record_if_asked(self, walk: Walk) -> None:
        """An answered call a recording rule covers is recorded, both parties, until it
        ends (its journal is already written)."""
        recordings = self.services.recordings
        if recordings is None or walk.call.is_over:
            return
        owner = recording_owner(recordings.rules, walk.call, walk.journal)
        if not owner:
            return
        caller = Caller(
            walk.call.caller_number,
            walk.call.caller_name,
            walk.call.line,
            walk.call.id,
            tuple(f"{s.operation or s.kind}: {s.exit}" for s in walk.journal.steps if s.operation),
        )
        try:
            await recordings.record_call(walk.control, walk.call, owner, caller)
        except OSError as error:  # a full or failing disk: the call goes on unrecorded
            log.error("call %s: cannot record for %s: %s", walk.call.id, owner, error)

    async def _record_session(self, extension: str, logged_in: bool) -> None:
        await host.to_thread(self.journal.agent_session, extension, aio.wall_time(), logged_in)


def _follow(operation: OperationConfig, exit_name: str) -> str | None:
    """The operation an exit leads to, after the fallbacks; None for the safe end."""
    if isinstance(operation, Menu) and exit_name in operation.keys:
        return operation.keys[exit_name]
    seen = set()
    while exit_name not in operation.exits:
        seen.add(exit_name)
        fallback = FALLBACK_EXITS.get((operation.type, exit_name))
        if fallback is None or fallback in seen:
            return None
        exit_name = fallback
    return operation.exits[exit_name]


async def _safe_end(walk: Walk) -> str:
    """Nothing more to try: say so clearly and end the call."""
    walk.note("safe_end", "safe_end", FINISHED)
    return await walk.end("no_one_available", EndReason.UNAVAILABLE)
