"""FXS line supervision: what an analog phone's hook switch, dial and flash mean.

Off-hook gives dial tone; digits (DTMF heard on the line or pulses from the hook switch)
go through the dial plan; a ringing phone that goes off-hook answers. In a call, a hook
flash puts the call on hold for a consultation call; hanging up then transfers (blind
before the other party answers, attended after), a second flash makes a three-way
conference, and with a call waiting it switches between the two calls.
"""

from __future__ import annotations

import logging
from enum import Enum
from typing import TYPE_CHECKING

from firmware import aio
from firmware.engine.calls import Call, CallState, Indication, Party
from firmware.engine.dialplan import Action, Verdict
from firmware.engine.sources import SampleSource
from firmware.engine.timers import Timer

if TYPE_CHECKING:
    from drivers.fxs import FxsPort
    from firmware.engine.context import EngineContext
    from firmware.engine.port_channel import PortChannel

log = logging.getLogger(__name__)

OFF_HOOK_WARNING_S = 60.0  # how long the warning tone sounds before the line parks
FEATURE_CONFIRMATION_S = 2.0


class FxsMode(Enum):
    IDLE = "idle"
    RINGING = "ringing"
    DIALING = "dialling"
    CALLING = "calling"  # a call we placed is being set up, or was refused
    TALKING = "talking"
    RELEASED = "released"  # the other side hung up: busy tone until on-hook
    WARNING = "off_hook_warning"
    PARKED = "parked"  # off-hook too long: silent until the handset is replaced


class FxsLine:
    """The endpoint of one FXS port."""

    def __init__(self, port: FxsPort, channel: PortChannel, context: EngineContext) -> None:
        self.port = port
        self.channel = channel
        self.context = context
        self.name = channel.name
        self.mode = FxsMode.IDLE
        self.since = aio.wall_time()
        self.active: Call | None = None  # the call we talk in or are placing
        self.held: Call | None = None  # a call we put on hold
        self.waiting: Call | None = None  # a call knocking while we talk
        self.ringing: Call | None = None
        self.consulting = False  # `active` is a consultation made while `held` waits
        self.digits = ""
        self._interdigit = Timer(self._interdigit_timeout)
        self._first_digit = Timer(self._first_digit_timeout)
        self._warning = Timer(self._park)
        channel.on_digit = self._digit

    @property
    def party(self) -> Party:
        employee = self.context.employee_for_port(self.port.index)
        if employee is None:
            return Party(f"port{self.port.index}", self.port_label)
        return Party(employee.extension, employee.name)

    @property
    def port_label(self) -> str:
        settings = self.context.port_config(self.port.index)
        return settings.label if settings is not None else ""

    # Port events.
    def off_hook(self) -> None:
        if self.ringing is not None:
            call, self.ringing = self.ringing, None
            self.port.stop_ringing()
            if call is self.held:  # a held-call reminder rang: pick the held call up again
                self.held = None
                self._set_mode(FxsMode.TALKING)
                self.active = call
                self.context.calls.resume(self, call)
                self.channel.play(None)
                return
            self.context.calls.answer(call, self)
            return
        self._start_dialing()

    def on_hook(self) -> None:
        self._stop_timers()
        self.channel.overlay = None
        calls = self.context.calls
        if self.held is not None and self.active is not None and self.consulting:
            held, consultation = self.held, self.active
            self.held = self.active = None
            self.consulting = False
            if consultation.state is CallState.ENDED:
                self.held = held
            else:
                calls.transfer(self, held, consultation)
        elif self.active is not None:
            active, self.active = self.active, None
            calls.hang_up(self, active)
        self.consulting = False
        self.channel.play(None)
        self._set_mode(FxsMode.IDLE)
        reminder = self.held or self.waiting
        if reminder is not None and reminder.state is not CallState.ENDED:
            self._ring_for(reminder)

    def flash(self) -> None:
        calls = self.context.calls
        if self.mode is FxsMode.TALKING and self.active is not None:
            if self.waiting is not None:
                self._swap_to(self.waiting)
                self.waiting = None
            elif self.held is not None and self.consulting:
                merged = calls.conference(self, self.held, self.active)
                self.held, self.active, self.consulting = None, merged, False
            elif self.held is not None:
                self._swap_to(self.held)
            elif len(self.active.parties) <= 2:
                self.held, self.active, self.consulting = self.active, None, True
                calls.hold(self, self.held)
                self._start_dialing()
        elif self.consulting and self.held is not None:
            # Give up the consultation (dialling, ringing or refused) and go back.
            if self.active is not None:
                calls.hang_up(self, self.active)
            self._return_to_held()
        elif self.mode is FxsMode.RELEASED and self.held is not None:
            self._return_to_held()

    def digit(self, digit: str) -> None:
        """A pulse-dialled digit from the port."""
        self._digit(digit)

    # Endpoint interface, called by call control.
    def offer(self, call: Call) -> bool:
        if not self.port_usable():
            return False
        employee = self.context.employee_for_port(self.port.index)
        if employee is not None and self.context.is_dnd(employee.extension):
            return False
        if self.mode is FxsMode.IDLE and self.ringing is None:
            self._ring_for(call)
            return True
        if self.mode is FxsMode.TALKING and self.waiting is None and self.held is None:
            self.waiting = call
            self.channel.overlay = self.context.tone("call_waiting")
            return True
        return False

    def withdraw(self, call: Call) -> None:
        if call is self.ringing:
            self.ringing = None
            self.port.stop_ringing()
            self._set_mode(FxsMode.IDLE)
        if call is self.waiting:
            self.waiting = None
            self.channel.overlay = None

    def progress(self, call: Call, indication: Indication) -> None:
        if self.active is None and self.mode is FxsMode.CALLING:
            self.active = call  # progress arrives while the call is still being placed
        if call is not self.active:
            return
        if indication is Indication.RINGBACK:
            self.channel.play(self.context.tone("ringback"))
        elif indication is Indication.BUSY:
            self.channel.play(self.context.tone("busy"))
        elif indication is Indication.INVALID_NUMBER:
            self._announce("number_does_not_exist")
        elif indication is Indication.ALL_LINES_BUSY:
            self._announce("all_lines_busy")
        else:
            self.channel.play(self.context.tone("congestion"))
        self._changed()

    def connected(self, call: Call) -> None:
        if call is self.ringing:
            self.ringing = None
        self.active = call
        self.channel.play(None)
        self._set_mode(FxsMode.TALKING)

    def released(self, call: Call) -> None:
        if call is self.held:
            self.held = None
            self.consulting = False
            if self.ringing is call:
                self.ringing = None
                self.port.stop_ringing()
                self._set_mode(FxsMode.IDLE)
            self._changed()
            return
        if call is self.waiting:
            self.withdraw(call)
            return
        if call is self.ringing:
            self.withdraw(call)
            return
        if call is self.active:
            self.active = None
            if self.consulting and self.held is not None:
                self._set_mode(FxsMode.RELEASED)
                self.channel.play(self.context.tone("busy"))
                return
            self._set_mode(FxsMode.RELEASED)
            self.channel.play(self.context.tone("busy"))

    # Status.
    def port_usable(self) -> bool:
        return self.port.status().health.value != "failed"

    def peer(self) -> str:
        call = self.ringing or self.active
        if call is None:
            return ""
        others = [call.number_of(party) for party in call.parties if party is not self]
        return ", ".join(others) if others else call.dialled

    # Inside.
    def _start_dialing(self) -> None:
        self.digits = ""
        self._set_mode(FxsMode.DIALING)
        employee = self.context.employee_for_port(self.port.index)
        dnd = employee is not None and self.context.is_dnd(employee.extension)
        self.channel.play(self.context.tone("special_dial" if dnd else "dial"))
        self._first_digit.start(self.context.config.dialplan.off_hook_warning_after_s)

    def _digit(self, digit: str) -> None:
        if self.mode is not FxsMode.DIALING:
            return
        self._first_digit.cancel()
        if not self.digits:
            self.channel.play(None)
        self.digits += digit
        self._evaluate(timed_out=False)

    def _evaluate(self, *, timed_out: bool) -> None:
        match = self.context.dialplan.match(self.digits, timed_out=timed_out)
        if match.verdict is Verdict.INCOMPLETE or match.verdict is Verdict.AMBIGUOUS:
            self._interdigit.start(self.context.config.dialplan.interdigit_timeout_s)
            return
        self._interdigit.cancel()
        dialled, self.digits = self.digits, ""
        self._set_mode(FxsMode.CALLING)
        if match.verdict is Verdict.INVALID or match.action is None:
            log.info("%s: %s is not a valid number", self.name, dialled)
            self.active = self.context.calls.refuse(self, self.party, dialled, "invalid_number")
            self.progress(self.active, Indication.INVALID_NUMBER)
            return
        self._act(match.action, match.target, dialled)

    def _act(self, action: Action, target: str, dialled: str) -> None:
        context = self.context
        if action is Action.EXTENSION:
            self.active = context.call_extension(self, target)
        elif action is Action.OUTBOUND:
            self.active = context.call_outside(self, target)
        elif action in (Action.PICKUP_GROUP, Action.PICKUP_DIRECTED):
            call = context.find_pickup(self, target if action is Action.PICKUP_DIRECTED else None)
            if call is None:
                self.active = context.calls.refuse(self, self.party, dialled, "nothing_to_pick_up")
                self.progress(self.active, Indication.CONGESTION)
            else:
                self.active = call
                context.calls.answer(call, self)
        elif action in (Action.DND_ON, Action.DND_OFF):
            employee = context.employee_for_port(self.port.index)
            if employee is None:
                self.channel.play(context.tone("congestion"))
            else:
                context.set_dnd(employee.extension, action is Action.DND_ON)
                self.channel.play(context.tone("confirmation"))

    def _swap_to(self, call: Call) -> None:
        calls = self.context.calls
        current = self.active
        assert current is not None
        calls.hold(self, current)
        self.held = current
        self.consulting = False
        self.channel.overlay = None
        if call.state is CallState.ALERTING:
            self.active = call
            calls.answer(call, self)
        else:
            self.active = call
            calls.resume(self, call)
            self.channel.play(None)
            self._set_mode(FxsMode.TALKING)

    def _return_to_held(self) -> None:
        self._stop_timers()
        held, self.held = self.held, None
        self.consulting = False
        self.active = held
        assert held is not None
        self.context.calls.resume(self, held)
        self.channel.play(None)
        self._set_mode(FxsMode.TALKING)

    def _ring_for(self, call: Call) -> None:
        self.ringing = call
        self._set_mode(FxsMode.RINGING)
        self.context.ring_phone(self, call)

    def _announce(self, prompt_name: str) -> None:
        samples = self.context.prompt(prompt_name)

        def then_congestion() -> None:
            if self.mode is FxsMode.CALLING:
                self.channel.play(self.context.tone("congestion"))

        self.channel.play(SampleSource(samples, on_finished=then_congestion))

    def _interdigit_timeout(self) -> None:
        if self.mode is FxsMode.DIALING and self.digits:
            self._evaluate(timed_out=True)

    def _first_digit_timeout(self) -> None:
        if self.mode is FxsMode.DIALING and not self.digits:
            log.info("%s: off-hook without dialling; warning tone", self.name)
            self._set_mode(FxsMode.WARNING)
            self.channel.play(self.context.tone("off_hook_warning"))
            self._warning.start(OFF_HOOK_WARNING_S)

    def _park(self) -> None:
        if self.mode is FxsMode.WARNING:
            self._set_mode(FxsMode.PARKED)
            self.channel.play(None)

    def _stop_timers(self) -> None:
        for timer in (self._interdigit, self._first_digit, self._warning):
            timer.cancel()

    def _set_mode(self, mode: FxsMode) -> None:
        if mode is not self.mode:
            self.mode = mode
            self.since = aio.wall_time()
        self._changed()

    def _changed(self) -> None:
        self.context.endpoint_changed(self)
