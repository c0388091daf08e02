"""A caller in a call centre: rung to free members by the centre's strategy, holding with
music (or ringback) while everyone is busy, offered to whoever frees up first.

Callers are served in arrival order: only the caller at the head of the queue rings
members; the others hold, hearing their place in the queue if the centre says so. A member
who answers is busy until the call ends, then rests for the wrap-up time before the next
caller. Every member rung is journalled; a caller who is not answered leaves a missed-call
record for the supervisor.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import aio
from firmware.config.routing import CallCentre, CallCentreMember
from firmware.routing.journal import MissedCall
from firmware.routing.ringing import journal_attempts
from firmware.routing.waiting import first_of
from firmware.routing.walk import ANSWERED, CALLER_GONE, Walk
from firmware.verbs import OfferMode, OfferOutcome, OfferResult, OfferTarget, PlayOutcome

log = logging.getLogger(__name__)
MAX_ANNOUNCED_POSITION = 5
# A caller who will be rung in a moment (a member is just being released) is not kept
# listening to an announcement meanwhile: the first one comes after this much waiting.
FIRST_ANNOUNCEMENT_S = 3.0
RESTART = "restart"  # a ring-all offer stopped to take in a member who just freed up


async def serve(walk: Walk, centre: CallCentre) -> str:
    """Serve the caller: `answered`, `no_answer`, `timeout` or caller_gone."""
    walk.subject = centre.id
    board = walk.services.agents
    waiting = board.waiting.setdefault(centre.id, [])
    waiting.append(walk.call.id)
    if centre.caller_hears == "music":
        await walk.control.answer(walk.call)
    started = aio.monotonic()
    state = _Serving(walk, centre)
    try:
        exit_name = await state.run(started)
    finally:
        waiting.remove(walk.call.id)
        board.changed.notify()
    if exit_name != ANSWERED and centre.record_missed_calls:
        walk.journal.missed.append(
            MissedCall(
                aio.wall_time(),
                walk.call.caller_number,
                aio.monotonic() - started,
                call_centre=centre.id,
                members=state.rung_for_how_long(),
            )
        )
    return exit_name


class _Serving:
    def __init__(self, walk: Walk, centre: CallCentre) -> None:
        self.walk = walk
        self.centre = centre
        self.board = walk.services.agents
        self.tried: set[str] = set()
        self.rounds = 0
        self.rung: dict[str, float] = {}
        self.next_announcement = 0.0

    def rung_for_how_long(self) -> list[tuple[str, float]]:
        return list(self.rung.items())

    async def run(self, started: float) -> str:
        centre = self.centre
        deadline = started + centre.max_wait_s if centre.max_wait_s else float("inf")
        held = False
        while True:
            if aio.monotonic() >= deadline:
                return "timeout"
            members = self._members_taking_calls()
            if not members:
                return "no_answer"
            free = [m for m in members if self.board.is_free(m.extension)]
            head = self._my_turn()
            if head and free:
                held = False
                exit_name = await self._ring(free, members, deadline)
                if exit_name:
                    return exit_name
                continue
            if head and not centre.add_members_as_they_free_up:
                return "no_answer"
            if not held:
                held = True
                self.next_announcement = aio.monotonic() + FIRST_ANNOUNCEMENT_S
            exit_name = await self._hold(deadline)
            if exit_name:
                return exit_name

    def _my_turn(self) -> bool:
        """First come, first served: a caller rings members once everyone ahead of them is
        ringing someone already (one at a time strategies) or has been served (ring-all,
        where the first caller rings every free member)."""
        waiting = self.board.waiting[self.centre.id]
        ahead = waiting[: waiting.index(self.walk.call.id)]
        if not ahead:
            return True
        if self.centre.strategy == "ring_all":
            return False
        return all(call_id in self.board.ringing for call_id in ahead)

    def _members_taking_calls(self) -> list[CallCentreMember]:
        plan, board = self.walk.plan, self.board
        now = aio.wall_time()
        return [
            member
            for member in self.centre.members
            if (employee := plan.employees.get(member.extension)) is not None
            and (board.agent(member.extension).logged_in or not self.centre.login_required)
            and not plan.unavailable_reason(employee, now)
        ]

    def _order(self, free: list[CallCentreMember]) -> list[CallCentreMember]:
        strategy = self.centre.strategy
        if strategy == "least_recent":
            return sorted(free, key=lambda m: self.board.agent(m.extension).last_call_ended)
        if strategy == "in_turn":
            names = [m.extension for m in self.centre.members]
            last = self.board.last_offered.get(self.centre.id)
            start = names.index(last) + 1 if last in names else 0
            rank = {name: (i - start) % len(names) for i, name in enumerate(names)}
            return sorted(free, key=lambda m: rank[m.extension])
        return free  # linear, ring_all: the configured order

    async def _ring(
        self, free: list[CallCentreMember], members: list[CallCentreMember], deadline: float
    ) -> str:
        """Ring free members once; "" to go round again."""
        if self.centre.strategy == "ring_all":
            chosen = free
        else:
            fresh = [m for m in self._order(free) if m.extension not in self.tried]
            if not fresh:
                return self._round_over()
            chosen = fresh[:1]
            self.tried.add(chosen[0].extension)
            self.board.last_offered[self.centre.id] = chosen[0].extension
        result = await self._offer(chosen, members, deadline)
        if result == RESTART:
            return ""
        assert isinstance(result, OfferResult)
        for attempt in journal_attempts(self.walk, self.centre.id, result):
            self.rung[attempt.label] = self.rung.get(attempt.label, 0.0) + attempt.rang_s
            if attempt.outcome == OfferOutcome.BUSY:
                # Busy is not a pass over the member: the caller waits for them instead.
                self.board.seen_busy(attempt.label)
                self.tried.discard(attempt.label)
        if result.outcome == OfferOutcome.ANSWERED:
            self._member_answered(result.answered_by)
            return ANSWERED
        if result.outcome in (OfferOutcome.CALLER_GONE, OfferOutcome.CANCELLED):
            return CALLER_GONE
        if result.outcome == OfferOutcome.BUSY:
            return ""
        if self.centre.strategy == "ring_all":
            return self._round_over()
        if {m.extension for m in members} <= self.tried:
            return self._round_over()
        return ""

    def _round_over(self) -> str:
        self.rounds += 1
        self.tried.clear()
        return "no_answer" if self.rounds >= self.centre.rounds else ""

    async def _offer(
        self, chosen: Sequence[CallCentreMember], members: list[CallCentreMember], deadline: float
    ) -> OfferResult | str:
        walk, board, centre = self.walk, self.board, self.centre
        targets = [
            OfferTarget(
                extension=m.extension, answer_s=m.answer_s or centre.answer_s, label=m.extension
            )
            for m in chosen
        ]
        ringing = {m.extension for m in chosen}
        for extension in ringing:
            board.reserve(extension, walk.call.id)
        board.ringing.add(walk.call.id)
        board.changed.notify()  # the next caller may ring the members still free
        remaining = deadline - aio.monotonic()
        offer: aio.Task[OfferResult] = aio.create_task(
            walk.control.offer(
                walk.call,
                targets,
                mode=OfferMode.TOGETHER,
                caller_hears=centre.caller_hears,
                max_s=None if remaining == float("inf") else remaining,
            )
        )
        try:
            while True:
                changed = board.changed.next_change()
                await first_of(_finished(offer), changed.wait())
                if offer.done():
                    return offer.result()
                joining = [
                    m for m in members if m.extension not in ringing and board.is_free(m.extension)
                ]
                if centre.strategy == "ring_all" and centre.add_members_as_they_free_up and joining:
                    offer.cancel()
                    try:
                        result = await offer
                    except aio.CancelledError:
                        return RESTART
                    if result.outcome != OfferOutcome.CANCELLED:
                        return result
                    return RESTART
        finally:
            if not offer.done():
                offer.cancel()
            board.ringing.discard(walk.call.id)
            for extension in ringing:
                board.release(extension, walk.call.id)

    def _member_answered(self, extension: str) -> None:
        board, walk, wrap_up_s = self.board, self.walk, self.centre.wrap_up_s
        board.call_started(extension)

        async def conversation() -> None:
            try:
                await walk.control.wait_until_gone(walk.call)
            finally:
                board.call_ended(extension, wrap_up_s)

        board.keep(aio.create_task(conversation()))
        walk.answered_by = extension
        log.info("call %s: %s answered in %s", walk.call.id, extension, self.centre.id)

    async def _hold(self, deadline: float) -> str:
        """Wait with music until something changes; "" to look again."""
        walk, centre = self.walk, self.centre
        changed = self.board.changed.next_change()  # taken right after the last look
        await walk.control.hold(walk.call, music=centre.caller_hears == "music")
        now = aio.monotonic()
        if now >= self.next_announcement:
            played = await self._announce()
            if played == PlayOutcome.CALLER_GONE:
                return CALLER_GONE
            every = centre.hold_announcement_every_s
            self.next_announcement = aio.monotonic() + every if every else float("inf")
            if played is not None:
                return ""  # a member may have freed up meanwhile: look before waiting
        wake = min(deadline, self.next_announcement) - aio.monotonic()
        waits: list[Any] = [changed.wait(), walk.control.wait_until_gone(walk.call)]
        if wake != float("inf"):
            waits.append(aio.sleep(max(0.0, wake)))
        which = await first_of(*waits)
        return CALLER_GONE if which == 1 else ""

    async def _announce(self) -> PlayOutcome | None:
        """The place in the queue and/or the hold message, as the centre wants them."""
        walk, centre = self.walk, self.centre
        outcome: PlayOutcome | None = None
        if centre.hold_announcement_every_s:
            outcome = (await walk.say("queue_hold")).outcome
        if centre.announce_position and outcome != PlayOutcome.CALLER_GONE:
            place = self.board.waiting[centre.id].index(walk.call.id) + 1
            name = f"queue_position_{place}" if place <= MAX_ANNOUNCED_POSITION else "queue_long"
            outcome = (await walk.say(name)).outcome
        return outcome


async def _finished(task: aio.Task[Any]) -> None:
    """Wait for `task` without cancelling it when this wait is cancelled."""
    done = aio.Event()
    task.add_done_callback(lambda _: done.set())
    await done.wait()
