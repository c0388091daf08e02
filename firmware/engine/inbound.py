"""The one door an outside call comes in by: routing takes it from here.

Line supervision hands every call that rings in on an exchange line to the engine's
context; a line that still lists the extensions it rings (`hat.ports[].inbound`, the way
before scenarios) keeps ringing them as it always did, and every other call is opened for
routing and walked through its scenario by the routing runner, which speaks to it only
through call control's verbs.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import aio
from firmware.engine.call import Call, CallState, Party
from firmware.engine.call_control import EngineCallControl, RoutedCall, SystemHeldLine
from firmware.engine.calls import CallManager
from firmware.verbs import EndReason

log = logging.getLogger(__name__)

Route = Callable[[RoutedCall], Awaitable[None]]


class InboundEntry:
    def __init__(self, calls: CallManager, control: EngineCallControl, route: Route) -> None:
        self.calls = calls
        self.control = control
        self.route = route
        self._routing: set[aio.Task[None]] = set()

    def __call__(self, line: SystemHeldLine, caller: Party, line_port: int) -> Call:
        call = self.calls.open(
            line, caller, line.party.number, direction="inbound", line_port=line_port
        )
        routed = self.control.adopt(call, line)
        task = aio.create_task(self._walk(routed))
        self._routing.add(task)
        task.add_done_callback(self._routing.discard)
        return call

    async def _walk(self, routed: RoutedCall) -> None:
        try:
            await self.route(routed)
        except aio.CancelledError:
            raise
        except Exception:
            log.exception("%s on %s: routing failed", routed.id, routed.line)
            await self.control.hang_up(routed, EndReason.INTERNAL_ERROR)
            return
        if routed.call.state is CallState.ALERTING:
            # Routing is done with a caller nobody took: never leave them hanging.
            log.warning("%s on %s: routing left the call open; ending it", routed.id, routed.line)
            await self.control.hang_up(routed, EndReason.UNAVAILABLE)

    async def stop(self) -> None:
        for task in list(self._routing):
            task.cancel()
        if self._routing:
            await aio.gather(*self._routing, return_exceptions=True)
