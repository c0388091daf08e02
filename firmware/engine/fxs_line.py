"""FXS line supervision: what an analog phone's hook switch, dial and flash mean.

Off-hook gives dial tone; digits (DTMF heard on the line or pulses from the hook switch)
go through the dial plan; a ringing phone that goes off-hook answers. A phone left
off-hook without a call (never dialled, refused, or the other side hung up) hears its
tone for a while, then the off-hook warning, then goes quiet (parked) until hung up.

In a call, a hook flash puts the call on hold for a consultation call; hanging up then
transfers it (blind while the consultation rings, attended once answered), a second flash
in the consultation makes a three-way conference, a flash while still dialling or after a
refusal goes back to the held call. With a call waiting (its tone over the conversation)
a flash answers it and holds the first; further flashes switch between the two. A call
still held when the phone hangs up rings it back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import Enum
from typing import TYPE_CHECKING

import aio
from firmware.config.schema import FxsPortConfig
from firmware.engine.calls import Call, CallState, Indication, Party
from firmware.engine.dialplan import Action, Verdict
from firmware.engine.sources import SampleSource, prompt
from firmware.engine.timers import Timer
from firmware.verbs import EndReason

if TYPE_CHECKING:
    from drivers.fxs import FxsPort
    from firmware.engine.line_services import LineServices
    from firmware.engine.port_channel import PortChannel

log = logging.getLogger(__name__)

OFF_HOOK_WARNING_S = 60.0  # how long the warning tone sounds before the line parks


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

    def __init__(self, port: FxsPort, channel: PortChannel, context: LineServices) -> None:
        self.port = port
        self.channel = channel
        self.context = context
        self.name = channel.name
        self.mode = FxsMode.IDLE
        self.since = aio.wall_time()
        self.active: Call | None = None  # the call we talk in or are placing
        self.held: Call | None = None  # a call we put on hold
        self.waiting: Call | None = None  # a call knocking while we talk
        self.ringing: Call | None = None  # the call the phone rings for
        self.consulting = False  # dialling or `active` is a consultation while `held` waits
        self.digits = ""
        self._placing = False
        self._interdigit = Timer(self._interdigit_timeout)
        self._idle_off_hook = Timer(self._start_warning)  # dial tone or a tone nobody acts on
        self._warning = Timer(self._park)
        channel.on_digit = self._digit
        channel.digits_wanted = lambda: self.mode is FxsMode.DIALING

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
        call, self.ringing = self.ringing, None
        if call is not None:
            self.port.stop_ringing()
            if call is self.held:  # the held call rang back: take it again
                self._return_to_held()
                return
            if call.state is CallState.ALERTING:
                self.context.calls.answer(call, self)
                return
        if not self.port_usable():
            self._set_mode(FxsMode.PARKED)
            return
        self._start_dialing()

    def on_hook(self) -> None:
        self._stop_timers()
        self.channel.overlay = None
        calls = self.context.calls
        active, self.active = self.active, None
        if self.consulting and self.held is not None and active is not None:
            # Hanging up on a consultation transfers the held call, unless the consultation
            # failed: then the held call rings back below.
            if active.state is not CallState.ENDED:
                held, self.held = self.held, None
                calls.transfer(self, held, active)
        elif active is not None:
            calls.hang_up(self, active)
        self.consulting = False
        self.digits = ""
        self.channel.play(None)
        self._set_mode(FxsMode.IDLE)
        if self.held is not None and self.held.state is not CallState.ENDED:
            self._ring_for(self.held)
        elif self.waiting is not None and self.waiting.state is CallState.ALERTING:
            waiting, self.waiting = self.waiting, None
            self._ring_for(waiting)

    def port_failed(self) -> None:
        """The phone's port went out of service: every call it is part of ends here."""
        log.error("%s: out of service; its calls end", self.name)
        self._stop_timers()
        self.channel.overlay = None
        self.channel.play(None)
        calls = self.context.calls
        for call in (self.ringing, self.waiting, self.active, self.held):
            if call is not None and call.state is not CallState.ENDED:
                calls.hang_up(self, call)
        self.ringing = self.waiting = self.active = self.held = None
        self.consulting = False
        self.digits = ""
        self._set_mode(FxsMode.IDLE)

    def flash(self) -> None:
        calls = self.context.calls
        active = self.active
        if self.mode is FxsMode.TALKING and active is not None:
            if self.waiting is not None:
                waiting, self.waiting = self.waiting, None
                self._swap_to(waiting)
            elif self.held is not None and self.consulting:
                merged = calls.conference(self, self.held, active)
                self.held, self.active, self.consulting = None, merged, False
            elif self.held is not None:
                self._swap_to(self.held)
            elif len(active.parties) == 2:
                calls.hold(self, active)
                self.held, self.active, self.consulting = active, None, True
                self._start_dialing()
            else:
                log.info("%s: flash in a conference ignored", self.name)
            return
        if self.mode in (FxsMode.IDLE, FxsMode.RINGING):
            return
        # Off-hook without a conversation: dialling, refused, released, warning, parked.
        if active is not None:
            self.active = None
            calls.hang_up(self, active)
        if self.held is not None:
            self._return_to_held()
        elif self.waiting is not None and self.waiting.state is CallState.ALERTING:
            waiting, self.waiting = self.waiting, None
            self.channel.overlay = None
            self.active = waiting
            calls.answer(waiting, self)
        else:
            self._start_dialing()  # a fresh dial tone

    def digit(self, digit: str) -> None:
        """A digit dialled on the phone (pulses from the hook switch, or DTMF heard)."""
        self._digit(digit)

    # A routed call the phone placed: the caller is on the line from the first moment.
    @property
    def caller_on_line(self) -> bool:
        return True

    async def answer_by_system(self) -> bool:
        return True

    # Endpoint interface, called by call control.
    def offer(self, call: Call) -> bool:
        if call.held_by is self:
            return self._take_back(call)
        if not self.port_usable():
            return False
        employee = self.context.employee_for_port(self.port.index)
        if employee is not None and self.context.is_dnd(employee.extension):
            return False
        if self.mode is FxsMode.IDLE and self.ringing is None:
            self._ring_for(call)
            return True
        if (
            self.mode is FxsMode.TALKING
            and self.waiting is None
            and self.held is None
            and self._call_waiting_allowed()
        ):
            self.waiting = call
            self.channel.overlay = self.context.tone("call_waiting")
            return True
        return False

    def _call_waiting_allowed(self) -> bool:
        settings = self.context.port_config(self.port.index)
        return not isinstance(settings, FxsPortConfig) or settings.call_waiting

    def withdraw(self, call: Call) -> None:
        if call is self.ringing:
            self.ringing = None
            self.port.stop_ringing()
            self._set_mode(FxsMode.IDLE)
        if call is self.waiting:
            self.waiting = None
            self.channel.overlay = None

    def progress(self, call: Call, indication: Indication) -> None:
        if self._placing and self.active is None and call.origin is self:
            self.active = call  # progress arrives while the call is still being placed
        if call is not self.active:
            return
        context = self.context
        if indication is Indication.RINGBACK:
            self.channel.play(context.tone("ringback"))
            return
        if indication is Indication.PROCEEDING:
            self.channel.play(None)
            return
        if indication is Indication.BUSY:
            self.channel.play(context.tone("busy"))
        elif indication is Indication.INVALID_NUMBER:
            self._announce("number_does_not_exist")
        elif indication is Indication.ALL_LINES_BUSY:
            self._announce("all_lines_busy")
        else:
            self.channel.play(context.tone("congestion"))
        self._idle_off_hook.start(context.config.dialplan.off_hook_warning_after_s)
        self._changed()

    def connected(self, call: Call) -> None:
        if call is self.ringing:
            self.ringing = None
        if call is self.waiting:
            self.waiting = None
            self.channel.overlay = None
        self._stop_timers()
        self.active = call
        self.channel.play(None)
        self._set_mode(FxsMode.TALKING)

    def released(self, call: Call) -> None:
        if call is self.held:
            self.held = None
            self.consulting = False
            if self.ringing is call:
                self.withdraw(call)
            elif self.waiting is None:
                self.channel.overlay = None  # it was knocking as a recall
            self._changed()
            return
        if call is self.waiting or call is self.ringing:
            self.withdraw(call)
            return
        if call is self.active:
            self.active = None
            self._set_mode(FxsMode.RELEASED)
            self.channel.play(self.context.tone("busy"))
            self._idle_off_hook.start(self.context.config.dialplan.off_hook_warning_after_s)

    # Status.
    def port_usable(self) -> bool:
        settings = self.context.port_config(self.port.index)
        enabled = settings is None or settings.enabled
        return enabled and self.port.status().health.value != "failed"

    def peer(self) -> str:
        call = self.ringing or self.active
        if call is None:
            return ""
        others = [call.number_of(party) for party in call.parties if party is not self]
        return ", ".join(others) if others else call.dialled

    # Inside.
    def _start_dialing(self) -> None:
        self._stop_timers()
        self.digits = ""
        self._set_mode(FxsMode.DIALING)
        employee = self.context.employee_for_port(self.port.index)
        stutter = employee is not None and (
            self.context.is_dnd(employee.extension)
            or self.context.messages_waiting(employee.extension)
        )
        self.channel.play(self.context.tone("special_dial" if stutter else "dial"))
        self._idle_off_hook.start(self.context.config.dialplan.off_hook_warning_after_s)

    def _digit(self, digit: str) -> None:
        if self.mode is not FxsMode.DIALING:
            return
        self._idle_off_hook.cancel()
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
            self.active = self.context.calls.refuse(
                self, self.party, dialled, EndReason.INVALID_NUMBER
            )
            self.progress(self.active, Indication.INVALID_NUMBER)
            return
        self._placing = True
        try:
            self._act(match.action, match.target)
        finally:
            self._placing = False

    def _act(self, action: Action, target: str) -> None:
        ACTIONS[action](self, target)  # every action has its entry: no catch-all branch

    def _call_extension(self, extension: str) -> None:
        self.active = self.context.call_extension(self, extension)

    def _call_outside(self, number: str) -> None:
        self.active = self.context.call_outside(self, number)

    def _use_service(self, code: str) -> None:
        self.active = self.context.call_service(self, code)
        if self.active.state is CallState.ENDED:  # nothing serves it here
            self.progress(self.active, Indication.INVALID_NUMBER)

    def _pick_up(self, extension: str) -> None:
        """Pick up a call ringing `extension`, or ("") any phone of the pickup group."""
        call = self.context.find_pickup(self, extension or None)
        if call is None:
            log.info("%s: nothing to pick up", self.name)
            self._play_and_wait("congestion")
        else:
            self.context.calls.answer(call, self)

    def _set_dnd(self, on: bool) -> None:
        employee = self.context.employee_for_port(self.port.index)
        if employee is None:
            self._play_and_wait("congestion")
        else:
            self.context.set_dnd(employee.extension, on)
            self._play_and_wait("confirmation")

    def _take_back(self, call: Call) -> bool:
        """A call we held comes back (a transfer nobody answered)."""
        if self.held is not None and self.held is not call:
            return False
        self.held = call
        if self.mode is FxsMode.IDLE and self.ringing is None:
            self._ring_for(call)
        elif self.mode is FxsMode.TALKING and self.waiting is None:
            self.channel.overlay = self.context.tone("call_waiting")  # flash takes it
        return True

    def _swap_to(self, call: Call) -> None:
        """Hold the current call and talk in `call` (a waiting one, or the held one)."""
        calls = self.context.calls
        current = self.active
        assert current is not None
        calls.hold(self, current)
        self.held, self.active, self.consulting = current, call, False
        self.channel.overlay = None
        if call.state is CallState.ALERTING:
            calls.answer(call, self)
        else:
            calls.resume(self, call)
            self.connected(call)

    def _return_to_held(self) -> None:
        held, self.held = self.held, None
        assert held is not None
        self.consulting = False
        self.channel.overlay = None
        self.context.calls.resume(self, held)
        self.connected(held)

    def _ring_for(self, call: Call) -> None:
        self.ringing = call
        self._set_mode(FxsMode.RINGING)
        self.context.ring_phone(self, call)

    def _play_and_wait(self, tone: str) -> None:
        """A tone that ends this attempt; the user hangs up (or flashes) next."""
        self.channel.play(self.context.tone(tone))
        self._idle_off_hook.start(self.context.config.dialplan.off_hook_warning_after_s)

    def _announce(self, prompt_name: str) -> None:
        """A spoken prompt in the user's language (else the system's), then congestion."""
        employee = self.context.employee_for_port(self.port.index)
        language = employee.language if employee is not None else None
        samples = prompt(prompt_name, language or self.context.config.system.language)
        active = self.active

        def then_congestion() -> None:
            if self.mode is FxsMode.CALLING and self.active is active:
                self.channel.play(self.context.tone("congestion"))

        self.channel.play(SampleSource(samples, on_finished=then_congestion))

    def _interdigit_timeout(self) -> None:
        if self.mode is FxsMode.DIALING and self.digits:
            self._evaluate(timed_out=True)

    def _start_warning(self) -> None:
        if self.mode in (FxsMode.DIALING, FxsMode.CALLING, FxsMode.RELEASED):
            log.info("%s: off-hook without a call; warning tone", self.name)
            if self.active is not None and self.active.state is not CallState.ENDED:
                self.context.calls.hang_up(self, self.active)
            self.active = None
            self.digits = ""
            self._set_mode(FxsMode.WARNING)
            self.channel.play(self.context.tone("off_hook_warning"))
            self._warning.start(OFF_HOOK_WARNING_S)

    def _park(self) -> None:
        if self.mode is FxsMode.WARNING:
            log.info("%s: parked until the handset is replaced", self.name)
            self._set_mode(FxsMode.PARKED)
            self.channel.play(None)

    def _stop_timers(self) -> None:
        for timer in (self._interdigit, self._idle_off_hook, self._warning):
            timer.cancel()

    def _set_mode(self, mode: FxsMode) -> None:
        if mode is not self.mode:
            self.mode = mode
            self.since = aio.wall_time()
        self._changed()

    def _changed(self) -> None:
        self.context.endpoint_changed(self)


# What each dial-plan action does on a phone; a new action needs its entry here.
ACTIONS: dict[Action, Callable[[FxsLine, str], None]] = {
    Action.EXTENSION: FxsLine._call_extension,
    Action.OUTBOUND: FxsLine._call_outside,
    Action.PICKUP_GROUP: lambda line, _target: line._pick_up(""),
    Action.PICKUP_DIRECTED: FxsLine._pick_up,
    Action.DND_ON: lambda line, _target: line._set_dnd(True),
    Action.DND_OFF: lambda line, _target: line._set_dnd(False),
    Action.SERVICE: FxsLine._use_service,
}
