"""Call control: calls between endpoints, independent of what kind of endpoint they are.

A `Call` is a set of parties sharing one bridge (two for a plain call, more for a
conference) plus the endpoints it is offered to while it alerts. Endpoints (an FXS phone's
line supervision, an exchange line's, later SIP) implement `Endpoint`; analog details such
as ring cadences, hook flash or caller-ID modems stay inside them. Call control decides who
is offered a call, who is bridged with whom, what a held party hears, and writes the
history row when a call ends.

Hold, transfer and conference work on two calls of one endpoint: the call it holds and a
consultation call it made meanwhile. A transfer to a consultation that has been answered
(attended) moves the held parties into it at once. A transfer to one still ringing (blind)
leaves them on hold with music until someone answers; if nobody does within
`TRANSFER_RECALL_S`, or the destination gives up, the call is offered back to whoever
transferred it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

import aio
from firmware.engine.call import Call, CallState, Direction, Endpoint, Indication, Party
from firmware.engine.history import CallRecord
from firmware.engine.sources import SampleSource, hold_music
from firmware.engine.timers import Timer
from firmware.verbs import EndReason

__all__ = ["Call", "CallManager", "CallState", "Direction", "Endpoint", "Indication", "Party"]

log = logging.getLogger(__name__)

TRANSFER_RECALL_S = 45.0  # a blind transfer nobody answers rings the transferrer again


CallListener = Callable[[Call], None]


class CallManager:
    """Creates, connects and ends calls; the only place that bridges channels."""

    def __init__(self, record_call: Callable[[CallRecord], None]) -> None:
        self._record_call = record_call
        self.calls: list[Call] = []
        self.on_change: list[CallListener] = []

    # Setting calls up.
    def place(
        self,
        origin: Endpoint,
        caller: Party,
        dialled: str,
        targets: Iterable[Endpoint],
        *,
        direction: Direction,
        line_port: int | None = None,
    ) -> Call:
        """Offer a new call from `origin` to every endpoint in `targets` at once.

        An endpoint already in a call with `origin` (say, the party it holds) is busy for
        it. With nobody to offer the call to at all, the caller hears congestion.
        """
        call = Call(direction, caller, dialled, origin)
        call.line_port = call.record.line_port = line_port
        self.calls.append(call)
        log.info("%s: %s %s → %s", call.id, direction, caller.number, dialled)
        wanted = [target for target in dict.fromkeys(targets) if target is not origin]
        for target in wanted:
            call._leg(target, "callee")
            if not self._share_a_call(origin, target) and target.offer(call):
                call.alerting.append(target)
            else:
                call._end_leg(target, EndReason.BUSY)
        if call.alerting:
            # Over an outside line the caller hears the exchange's own tones once dialled.
            outbound = direction is Direction.OUTBOUND
            waiting = Indication.PROCEEDING if outbound else Indication.RINGBACK
            origin.progress(call, waiting)
        elif wanted:
            self.end(call, EndReason.BUSY, hung_up_by="system")
            origin.progress(call, Indication.BUSY)
        else:
            self.end(call, EndReason.UNAVAILABLE, hung_up_by="system")
            origin.progress(call, Indication.CONGESTION)
        self._changed(call)
        return call

    def open(
        self,
        origin: Endpoint,
        caller: Party,
        dialled: str,
        *,
        direction: Direction,
        line_port: int | None = None,
    ) -> Call:
        """A call that routing will offer step by step: nobody alerts yet, and it does not
        end when the endpoints it offers to decline; routing ends it."""
        call = Call(direction, caller, dialled, origin)
        call.routed = True
        call.line_port = call.record.line_port = line_port
        self.calls.append(call)
        log.info("%s: %s %s → %s (routed)", call.id, direction, caller.number, dialled)
        self._changed(call)
        return call

    def offer_to(self, call: Call, target: Endpoint) -> bool:
        """Alert `target` for a routed call as well; False if it cannot take it."""
        if call.state is not CallState.ALERTING or target in call.alerting:
            return False
        call._leg(target, "callee")
        if self._share_a_call(call.origin, target) or not target.offer(call):
            call._end_leg(target, EndReason.BUSY)
            return False
        call.alerting.append(target)
        self._changed(call)
        return True

    def started_at(self, call: Call, moment: float) -> None:
        """`call` began earlier than it was opened (an inbound call at its first ring)."""
        call.record.started_at = min(call.record.started_at, moment)
        call.record.legs[0].started_at = call.record.started_at

    def use_line(self, call: Call, line_port: int) -> None:
        """`call` now goes out (or came in) on exchange line `line_port`."""
        call.line_port = call.record.line_port = line_port
        self._changed(call)

    def stop_offering(self, call: Call, target: Endpoint, reason: EndReason) -> None:
        """`target` stops alerting for a routed call (its answer time is over)."""
        if target not in call.alerting:
            return
        call.alerting.remove(target)
        target.withdraw(call)
        call._end_leg(target, reason)
        self._changed(call)

    def step_reached(self, call: Call, step: str) -> None:
        """Routing took `call` to `step` of its scenario (shown while the call lasts)."""
        call.step = step
        self._changed(call)

    def refuse(
        self,
        origin: Endpoint,
        caller: Party,
        dialled: str,
        reason: EndReason,
        *,
        direction: Direction = Direction.INTERNAL,
    ) -> Call:
        """Record a call that could not be placed (no such number, no free line)."""
        call = Call(direction, caller, dialled, origin)
        self.calls.append(call)
        self.end(call, reason, hung_up_by="system")
        return call

    def answer(self, call: Call, endpoint: Endpoint) -> None:
        """`endpoint` picked up `call` (it alerted there, or it is a pickup)."""
        if call.state is not CallState.ALERTING:
            return
        for other in list(call.alerting):
            if other is not endpoint:
                other.withdraw(call)
                call._end_leg(other, EndReason.ANSWERED_ELSEWHERE)
        call.alerting.clear()
        if not any(leg.channel == endpoint.name for leg in call.record.legs):
            call._leg(endpoint, "pickup")
        call.parties.append(endpoint)
        call.state = CallState.CONNECTED
        call.record.answered_at = aio.wall_time()
        if call.transferring is not None:
            self._hand_over(call)
        for party in call.parties:
            call._answer_leg(party)
        self._bridge_all(call)
        log.info("%s: answered by %s", call.id, endpoint.name)
        for party in list(call.parties):
            party.connected(call)
        self._changed(call)

    def decline(
        self,
        endpoint: Endpoint,
        call: Call,
        reason: EndReason,
        indication: Indication = Indication.CONGESTION,
    ) -> None:
        """A target that accepted `call` cannot complete it (for example no dial tone)."""
        if endpoint not in call.alerting:
            return
        call.alerting.remove(endpoint)
        call._end_leg(endpoint, reason)
        if not call.alerting and call.state is CallState.ALERTING and not call.routed:
            if call.transferring is not None:
                self._recall_transfer(call.transferring, reason)
            else:
                self.end(call, reason, hung_up_by="system")
                call.origin.progress(call, indication)
        self._changed(call)

    def alerting_calls_for(self, endpoints: Iterable[Endpoint]) -> list[Call]:
        wanted = set(map(id, endpoints))
        return [
            call
            for call in self.calls
            if call.state is CallState.ALERTING and any(id(e) in wanted for e in call.alerting)
        ]

    # Taking part and leaving.
    def hang_up(self, endpoint: Endpoint, call: Call) -> None:
        """`endpoint` leaves `call` (hung up, or gave up before answer)."""
        if call.state is CallState.ENDED:
            return
        if endpoint in call.alerting:
            call.alerting.remove(endpoint)
            call._end_leg(endpoint, EndReason.DECLINED)
            if not call.alerting and call.state is CallState.ALERTING and not call.routed:
                if call.transferring is not None:
                    self._recall_transfer(call.transferring, EndReason.NO_ANSWER)
                else:
                    self.end(call, EndReason.NO_ANSWER, hung_up_by="callee")
                    call.origin.released(call)
            self._changed(call)
            return
        if endpoint not in call.parties:
            return
        hung_up_by = call.role_of(endpoint)
        call._end_leg(endpoint, EndReason.HUNG_UP)
        call.parties.remove(endpoint)
        call.bridge.remove(endpoint.channel)
        if call.state is CallState.ALERTING:
            for target in list(call.alerting):
                target.withdraw(call)
                call._end_leg(target, EndReason.CALLER_GAVE_UP)
            call.alerting.clear()
            self.end(call, call.outcome or EndReason.CALLER_GAVE_UP, hung_up_by=hung_up_by)
        elif call.transfer_to is not None:
            if not call.parties:  # nobody left waiting for the transfer
                self.end(call, EndReason.COMPLETED, hung_up_by=hung_up_by)
        elif len(call.parties) <= 1:
            self.end(call, EndReason.COMPLETED, hung_up_by=hung_up_by)
            for party in list(call.parties):
                party.released(call)
        self._changed(call)

    def end(self, call: Call, reason: EndReason, *, hung_up_by: str = "") -> None:
        if call.state is CallState.ENDED:
            return
        call.state = CallState.ENDED
        self._stop_music(call)
        call.bridge.dissolve()
        call.recall_timer.cancel()
        call.record.ended_at = aio.wall_time()
        call.record.end_reason = reason
        call.record.hung_up_by = hung_up_by
        for party in call.parties:
            call._end_leg(party, reason)
        if call in self.calls:
            self.calls.remove(call)
        log.info("%s: ended (%s, by %s)", call.id, reason, hung_up_by or "-")
        self._record_call(call.record)
        self._changed(call)
        consultation, call.transfer_to = call.transfer_to, None
        if call.transferring is not None:
            call.transferring.transfer_to = None
            call.transferring = None
        if consultation is not None:  # the parties waiting for a blind transfer are gone
            consultation.transferring = None
            self._abandon(consultation, EndReason.CALLER_GAVE_UP)

    # Hold, transfer, conference.
    def hold(self, endpoint: Endpoint, call: Call) -> None:
        """`endpoint` steps out of `call`; the others hear music until it returns."""
        call.held_by = endpoint
        call.bridge.remove(endpoint.channel)
        self._bridge_all(call)
        self._changed(call)

    def resume(self, endpoint: Endpoint, call: Call) -> None:
        call.held_by = None
        self._stop_music(call)
        self._bridge_all(call)
        self._changed(call)

    def transfer(self, endpoint: Endpoint, held: Call, consultation: Call) -> None:
        """`endpoint` hands the parties of `held` over to `consultation` and leaves both.

        Answered consultation: an attended transfer, the parties are bridged at once.
        Still ringing: a blind transfer, they wait on hold until it is answered.
        """
        role = held.role_of(endpoint)
        held._end_leg(endpoint, EndReason.TRANSFERRED)
        consultation._end_leg(endpoint, EndReason.TRANSFERRED)
        if consultation.state is CallState.CONNECTED:
            movers = held.others(endpoint)
            held.parties = [endpoint]
            self.end(held, EndReason.TRANSFERRED, hung_up_by=role)
            consultation.bridge.remove(endpoint.channel)
            position = consultation.parties.index(endpoint)
            consultation.parties[position : position + 1] = movers
            log.info("%s: %s transferred it to %s", held.id, endpoint.name, consultation.id)
            self._welcome(consultation, movers, "transfer")
            return
        held.parties.remove(endpoint)
        held.transfer_to = consultation
        held.transferred_by = endpoint
        held.transferrer_role = role
        consultation.transferring = held
        held.recall_timer = Timer(lambda: self._recall_transfer(held, EndReason.NO_ANSWER))
        held.recall_timer.start(TRANSFER_RECALL_S)
        log.info("%s: %s transfers it to %s (ringing)", held.id, endpoint.name, consultation.id)
        self._changed(held)

    def conference(self, endpoint: Endpoint, held: Call, consultation: Call) -> Call:
        """Join the parties of `held` into `consultation`: everyone hears everyone."""
        movers = held.others(endpoint)
        held.parties = [endpoint]
        self.end(held, EndReason.JOINED_CONFERENCE, hung_up_by="")
        consultation.parties.extend(movers)
        log.info("%s: %s joined %s into a conference", consultation.id, endpoint.name, held.id)
        self._welcome(consultation, movers, "conference")
        return consultation

    def _welcome(self, call: Call, movers: list[Endpoint], role: str) -> None:
        """`movers`, already among `call`'s parties, get their legs and hear everyone."""
        for mover in movers:
            call._leg(mover, role)
            call._answer_leg(mover)
        self._bridge_all(call)
        for mover in movers:
            mover.connected(call)
        self._changed(call)

    # Inside.
    def _share_a_call(self, first: Endpoint, second: Endpoint) -> bool:
        return any(first in call.parties and second in call.parties for call in self.calls)

    def _hand_over(self, consultation: Call) -> None:
        """A blind transfer was answered: the waiting parties take the transferrer's place."""
        held = consultation.transferring
        assert held is not None
        consultation.transferring = None
        held.transfer_to = None
        held.recall_timer.cancel()
        transferrer = consultation.origin
        movers = list(held.parties)
        held.parties = []
        self.end(held, EndReason.TRANSFERRED, hung_up_by=held.transferrer_role)
        consultation.parties.remove(transferrer)
        consultation.parties[0:0] = movers
        for mover in movers:
            consultation._leg(mover, "transfer")
        log.info("%s: transfer from %s answered", consultation.id, held.id)

    def _recall_transfer(self, held: Call, reason: EndReason) -> None:
        """Nobody took a blind transfer: offer the held call back to the transferrer."""
        consultation = held.transfer_to
        if consultation is None or held.state is CallState.ENDED:
            return
        held.transfer_to = None
        consultation.transferring = None
        held.recall_timer.cancel()
        self._abandon(consultation, reason)
        transferrer, held.transferred_by = held.transferred_by, None
        if transferrer is None:
            return
        if held.transferrer_role == "caller":
            held.parties.insert(0, transferrer)
        else:
            held.parties.append(transferrer)
        held.held_by = transferrer
        held._leg(transferrer, "recall")
        log.info("%s: transfer not answered (%s), back to %s", held.id, reason, transferrer.name)
        if not transferrer.offer(held):
            held.parties.remove(transferrer)
            held._end_leg(transferrer, EndReason.BUSY)
            self.end(held, EndReason.TRANSFER_FAILED, hung_up_by="system")
            for party in list(held.parties):
                party.released(held)
        self._changed(held)

    def abort(self, call: Call, reason: EndReason) -> None:
        """End `call` at once for everyone in it (the system failed it): targets stop
        ringing, parties are released."""
        if call.state is CallState.ENDED:
            return
        origin_and_parties = list(dict.fromkeys([call.origin, *call.parties]))
        self._abandon(call, reason)
        for party in origin_and_parties:
            party.released(call)

    def _abandon(self, call: Call, reason: EndReason) -> None:
        """Stop offering a call that is still ringing and end it."""
        for target in list(call.alerting):
            target.withdraw(call)
            call._end_leg(target, reason)
        call.alerting.clear()
        self.end(call, reason, hung_up_by="system")
        self._changed(call)

    def _bridge_all(self, call: Call) -> None:
        """Connected parties hear each other, or music while one of them holds the call."""
        if call.state is not CallState.CONNECTED:
            return
        if call.held_by is None:
            for party in call.parties:
                call.bridge.add(party.channel)
            return
        call.bridge.dissolve()
        for party in call.parties:
            if party is not call.held_by and party.channel not in call.music:
                music = SampleSource(hold_music(), loop=True)
                party.channel.play(music)
                call.music[party.channel] = music

    def _stop_music(self, call: Call) -> None:
        for channel, music in call.music.items():
            if channel.source is music:
                channel.play(None)
        call.music.clear()

    def _changed(self, call: Call) -> None:
        for listener in list(self.on_change):
            listener(call)
