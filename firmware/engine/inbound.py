"""The doors calls enter routing by: an outside call ringing in, and a number a phone dialled.

Line supervision hands every call that rings in on an exchange line to the engine's
context; a line that still lists the extensions it rings (`hat.ports[].inbound`, the way
before scenarios) keeps ringing them as it always did, and every other call is opened for
routing and walked through its scenario. A phone that dials a colleague's extension, or a
code routing serves (agent log-in and log-out, voicemail), opens a call the same way, so a
colleague's forwarding rules, schedule and voicemail apply to internal calls too. Routing
speaks to these calls only through call control's verbs.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

import aio
from firmware.engine.call import Call, CallState, Direction, Party
from firmware.engine.call_control import EngineCallControl, RoutedCall, SystemHeldLine
from firmware.engine.calls import CallManager
from firmware.verbs import CallView, EndReason

log = logging.getLogger(__name__)

Route = Callable[[RoutedCall], Awaitable[None]]


class Router(Protocol):
    """What the doors need of routing (`firmware.routing.runner.RoutingRunner`)."""

    async def handle_inbound(self, call: CallView) -> None: ...

    async def handle_direct(self, call: CallView, extension: str) -> None: ...

    def is_agent_code(self, dialled: str) -> bool: ...

    async def handle_agent_code(self, call: CallView, extension: str, dialled: str) -> None: ...

    def is_voicemail_code(self, dialled: str) -> bool: ...

    async def handle_voicemail_code(self, call: CallView, extension: str, dialled: str) -> None: ...


class InboundEntry:
    def __init__(self, calls: CallManager, control: EngineCallControl, router: Router) -> None:
        self.calls = calls
        self.control = control
        self.router = router
        self._routing: set[aio.Task[None]] = set()

    def __call__(self, line: SystemHeldLine, caller: Party, line_port: int) -> Call:
        """An outside call ringing in on `line`."""
        call = self.calls.open(
            line, caller, line.party.number, direction=Direction.INBOUND, line_port=line_port
        )
        self._start(call, line, self.router.handle_inbound)
        return call

    def from_phone(self, phone: SystemHeldLine, dialled: str) -> Call:
        """A number a phone dialled: a colleague's extension or a code routing serves."""
        call = self.calls.open(phone, phone.party, dialled, direction=Direction.INTERNAL)
        extension = phone.party.number  # the caller's own extension (its employee's)
        router = self.router
        route: Route
        if router.is_agent_code(dialled):

            async def route(view: RoutedCall) -> None:
                await router.handle_agent_code(view, extension, dialled)

        elif router.is_voicemail_code(dialled):

            async def route(view: RoutedCall) -> None:
                await router.handle_voicemail_code(view, extension, dialled)

        else:

            async def route(view: RoutedCall) -> None:
                await router.handle_direct(view, dialled)

        self._start(call, phone, route)
        return call

    def _start(self, call: Call, origin: SystemHeldLine, route: Route) -> None:
        routed = self.control.adopt(call, origin)
        task = aio.create_task(self._walk(routed, route))
        self._routing.add(task)
        task.add_done_callback(self._routing.discard)

    async def _walk(self, routed: RoutedCall, route: Route) -> None:
        try:
            await route(routed)
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
