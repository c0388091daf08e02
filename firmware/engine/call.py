"""What a call is: its parties, the endpoints it alerts, its state and its history record.

`Endpoint` is what call control needs from any kind of call leg (an FXS phone's line
supervision, an exchange line's, later SIP); `Call` is the shared state that
`firmware.engine.calls.CallManager` changes. Nothing here bridges audio or decides.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

import aio
from firmware.engine.history import CallRecord, LegRecord
from firmware.engine.media import AudioSource, Bridge, Channel
from firmware.engine.timers import Timer
from firmware.verbs import Direction, EndReason


class Indication(Enum):
    """What an originating endpoint should play to its user while a call is set up."""

    PROCEEDING = "proceeding"  # an outside line is being seized and dialled: silence
    RINGBACK = "ringback"
    BUSY = "busy"
    CONGESTION = "congestion"
    INVALID_NUMBER = "invalid_number"
    ALL_LINES_BUSY = "all_lines_busy"


class CallState(Enum):
    ALERTING = "alerting"
    CONNECTED = "connected"
    ENDED = "ended"


@dataclass(frozen=True)
class Party:
    number: str
    name: str = ""


class Endpoint(Protocol):
    @property
    def name(self) -> str:
        """E.g. "FXS/0"."""
        ...

    @property
    def channel(self) -> Channel: ...

    @property
    def party(self) -> Party:
        """Who is at this endpoint (an extension, or the line's own number)."""
        ...

    def offer(self, call: Call) -> bool:
        """Start alerting for `call`; False if this endpoint cannot take it now.

        A call whose `held_by` is this endpoint is a recall: a call it held (and tried to
        transfer) coming back to it.
        """
        ...

    def withdraw(self, call: Call) -> None:
        """`call` stops alerting here (answered elsewhere, or the caller gave up)."""
        ...

    def progress(self, call: Call, indication: Indication) -> None:
        """Tell the originator how set-up is going."""
        ...

    def connected(self, call: Call) -> None:
        """`call` was answered (or this endpoint was moved or joined into it): from now on
        this endpoint is a party of `call` and its audio is bridged."""
        ...

    def released(self, call: Call) -> None:
        """The other parties left `call`; it is over for this endpoint."""
        ...


class Call:
    _ids = itertools.count(1)

    def __init__(self, direction: Direction, caller: Party, dialled: str, origin: Endpoint) -> None:
        self.id = f"C{next(Call._ids):05d}-{int(aio.wall_time())}"
        self.direction = direction
        self.caller = caller
        self.dialled = dialled
        self.parties: list[Endpoint] = [origin]
        self.alerting: list[Endpoint] = []
        self.state = CallState.ALERTING
        self.bridge = Bridge()
        self.held_by: Endpoint | None = None
        self.line_port: int | None = None
        # A blind transfer in progress links the held call (transfer_to, who transferred
        # it and as what, when it comes back) and the call ringing for it (transferring).
        self.transfer_to: Call | None = None
        self.transferring: Call | None = None
        self.transferred_by: Endpoint | None = None
        self.transferrer_role = ""
        self.recall_timer = Timer(lambda: None)
        self.music: dict[Channel, AudioSource] = {}  # hold music each held party hears
        # Routing offers a routed call step by step and ends it itself; `step` is where
        # in its scenario the call is (for the dashboard).
        self.routed = False
        self.step = ""
        # What a routed call already came to when the caller is told so by a tone (busy,
        # unavailable): hanging up then ends it that way, not as giving up.
        self.outcome: EndReason | None = None
        now = aio.wall_time()
        self.record = CallRecord(
            call_id=self.id,
            direction=direction,
            from_number=caller.number,
            from_name=caller.name,
            to_number=dialled,
            started_at=now,
        )
        self._leg(origin, "caller")

    @property
    def origin(self) -> Endpoint:
        return self.parties[0]

    def number_of(self, endpoint: Endpoint) -> str:
        """The number to show for a party: the caller ID of whoever placed the call, the
        dialled number for the line carrying an outgoing call, else the extension."""
        if endpoint is self.origin:
            return self.caller.number
        if self.direction is Direction.OUTBOUND and self.line_port is not None:
            return self.dialled
        return endpoint.party.number

    def party_seen_by(self, endpoint: Endpoint) -> Party:
        """Who `endpoint` is talking to (or would be), as its display should show it."""
        others = self.others(endpoint)
        if not others:
            return self.caller
        other = others[0]
        name = self.caller.name if other is self.origin else other.party.name
        if self.direction is Direction.OUTBOUND and other is not self.origin:
            name = ""
        return Party(self.number_of(other), name)

    def others(self, endpoint: Endpoint) -> list[Endpoint]:
        return [party for party in self.parties if party is not endpoint]

    def role_of(self, endpoint: Endpoint) -> str:
        return "caller" if endpoint is self.origin else "callee"

    def _leg(self, endpoint: Endpoint, role: str) -> LegRecord:
        leg = LegRecord(endpoint.name, endpoint.party.number, role, aio.wall_time())
        self.record.legs.append(leg)
        return leg

    def _end_leg(self, endpoint: Endpoint, reason: EndReason) -> None:
        for leg in self.record.legs:
            if leg.channel == endpoint.name and leg.ended_at is None:
                leg.ended_at = aio.wall_time()
                leg.end_reason = reason

    def _answer_leg(self, endpoint: Endpoint) -> None:
        for leg in self.record.legs:
            if leg.channel == endpoint.name and leg.ended_at is None:
                leg.answered_at = leg.answered_at or aio.wall_time()

    def __repr__(self) -> str:
        names = ",".join(party.name for party in self.parties)
        return f"<Call {self.id} {self.state.value} [{names}]>"
