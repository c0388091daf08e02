"""The exchange lines as trunks for outgoing calls: the first free line takes a call, and a
call a line cannot carry (glare, a failed seizure, no dial tone) moves to one it has not
tried yet."""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING

from firmware.engine.calls import Call, CallManager, Indication
from firmware.verbs import Direction, EndReason

if TYPE_CHECKING:
    from firmware.engine.fxo_line import FxoLine
    from firmware.engine.fxs_line import FxsLine


class Trunks:
    def __init__(self, calls: CallManager, lines: Mapping[int, FxoLine]) -> None:
        self.calls = calls
        self._lines = lines  # by port, filled as ports are attached
        self._tried: weakref.WeakKeyDictionary[Call, set[int]] = weakref.WeakKeyDictionary()
        # An outside number a routed call is offered to (an employee's mobile), per call.
        self._numbers: weakref.WeakKeyDictionary[Call, str] = weakref.WeakKeyDictionary()

    def in_order(self) -> list[FxoLine]:
        return [self._lines[index] for index in sorted(self._lines)]

    def call_outside(self, origin: FxsLine, number: str) -> Call:
        """An outgoing call on the first free exchange line, or "all lines busy"."""
        lines = [line for line in self.in_order() if line.available_for_outbound()]
        if not lines:
            call = self.calls.refuse(
                origin, origin.party, number, EndReason.ALL_LINES_BUSY, direction=Direction.OUTBOUND
            )
            origin.active = call
            origin.progress(call, Indication.ALL_LINES_BUSY)
            return call
        line = lines[0]
        call = self.calls.place(
            origin,
            origin.party,
            number,
            [line],
            direction=Direction.OUTBOUND,
            line_port=line.port.index,
        )
        self._tried[call] = {line.port.index}
        return call

    def line_for_number(self, call: Call, number: str) -> FxoLine | None:
        """A free line to offer `call` to `number` on (routing forwarding a call to an
        employee's mobile); None when every line is busy."""
        free = [line for line in self.in_order() if line.available_for_outbound()]
        if not free:
            return None
        self._numbers[call] = number
        self._tried[call] = {free[0].port.index}
        return free[0]

    def number_to_dial(self, call: Call) -> str:
        """What a line dials for `call`: the number routing offered it to, else the one the
        phone dialled."""
        return self._numbers.get(call, call.dialled)

    def offer_other_line(self, call: Call, failed_line: FxoLine) -> bool:
        """Move an outgoing call to a free line it has not tried yet (after glare, a
        failed seizure or no dial tone on `failed_line`)."""
        tried = self._tried.setdefault(call, set())
        tried.add(failed_line.port.index)
        for line in self.in_order():
            if line.port.index in tried or not line.available_for_outbound():
                continue
            tried.add(line.port.index)
            if self.calls.offer_to(call, line):
                self.calls.use_line(call, line.port.index)
                return True
        return False
