"""Call-centre members as the queues see them: logged in or out, talking, resting after a
call (wrap-up), rung by a waiting caller right now, and when they last finished a call.

One board serves every call centre, so a member busy with a sales call is busy for support
too. Whenever a member may have become free the board's `changed` signal wakes the waiting
callers, which is how a queue adds members as they free up.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aio
from firmware.config.routing import AgentCodes
from firmware.routing.waiting import Signal

log = logging.getLogger(__name__)

# A member found busy with a call the board did not route (a direct call) is tried again
# after this long: nothing tells routing when such a call ends.
BUSY_RETRY_S = 10.0
NEVER = float("-inf")

SessionRecorder = Callable[[str, bool], Awaitable[None]]


@dataclass
class AgentState:
    logged_in: bool = False
    calls: int = 0
    resting_until: float = NEVER
    busy_until: float = NEVER
    rung_for: str = ""  # the call that rings this member now
    last_call_ended: float = NEVER


class AgentBoard:
    def __init__(
        self,
        *,
        logged_in: set[str] | None = None,
        record_session: SessionRecorder | None = None,
    ) -> None:
        self.changed = Signal()
        self._agents: dict[str, AgentState] = {}
        self._record_session = record_session
        self._timers: set[aio.Task[Any]] = set()
        self.last_offered: dict[str, str] = {}  # call centre id → member offered last
        self.waiting: dict[str, list[str]] = {}  # call centre id → call ids, first come first
        self.ringing: set[str] = set()  # calls that ring a member right now
        for extension in logged_in or ():
            self.agent(extension).logged_in = True

    def agent(self, extension: str) -> AgentState:
        state = self._agents.get(extension)
        if state is None:
            state = self._agents[extension] = AgentState()
        return state

    def is_free(self, extension: str) -> bool:
        """Not talking, not resting, not being rung for another caller, not seen busy."""
        state = self.agent(extension)
        now = aio.monotonic()
        return (
            state.calls == 0
            and not state.rung_for
            and state.resting_until <= now
            and state.busy_until <= now
        )

    def reserve(self, extension: str, call_id: str) -> None:
        self.agent(extension).rung_for = call_id

    def release(self, extension: str, call_id: str) -> None:
        state = self.agent(extension)
        if state.rung_for == call_id:
            state.rung_for = ""
            self.changed.notify()

    def call_started(self, extension: str) -> None:
        self.agent(extension).calls += 1

    def call_ended(self, extension: str, wrap_up_s: float) -> None:
        state = self.agent(extension)
        state.calls = max(0, state.calls - 1)
        now = aio.monotonic()
        state.last_call_ended = now
        state.resting_until = max(state.resting_until, now + wrap_up_s)
        log.info("agent %s: call ended, resting %.0f s", extension, wrap_up_s)
        self._notify_after(wrap_up_s)

    def seen_busy(self, extension: str) -> None:
        self.agent(extension).busy_until = aio.monotonic() + BUSY_RETRY_S
        self._notify_after(BUSY_RETRY_S)

    async def log_in(self, extension: str) -> None:
        await self._set_logged_in(extension, True)

    async def log_out(self, extension: str) -> None:
        await self._set_logged_in(extension, False)

    async def feature_code(self, codes: AgentCodes, extension: str, dialled: str) -> bool:
        """Handle an agent's log-in or log-out code; False when `dialled` is neither."""
        if dialled == codes.log_in:
            await self.log_in(extension)
        elif dialled == codes.log_out:
            await self.log_out(extension)
        else:
            return False
        return True

    async def _set_logged_in(self, extension: str, logged_in: bool) -> None:
        self.agent(extension).logged_in = logged_in
        log.info("agent %s: logged %s", extension, "in" if logged_in else "out")
        if self._record_session is not None:
            await self._record_session(extension, logged_in)
        self.changed.notify()

    def presence(self, extension: str) -> str:
        """What a supervisor sees: talking, ringing, wrap_up, busy or free (logged in or
        not is told apart by the caller)."""
        state = self.agent(extension)
        now = aio.monotonic()
        if state.calls:
            return "talking"
        if state.rung_for:
            return "ringing"
        if state.resting_until > now:
            return "wrap_up"
        if state.busy_until > now:
            return "busy"
        return "free"

    def keep(self, task: aio.Task[Any]) -> None:
        """Hold on to a task that outlives the walk (a conversation being watched)."""
        self._timers.add(task)
        task.add_done_callback(self._timers.discard)

    def _notify_after(self, seconds: float) -> None:
        async def later() -> None:
            await aio.sleep(seconds)
            self.changed.notify()

        self.keep(aio.create_task(later()))
