"""FXO line supervision: calls in and out over an exchange line.

In: a validated ring, then caller ID (before the first ring or between rings, as the
country does it), then the call is offered to the line's destinations; the line is seized
when an extension answers, or after N rings when so configured (the caller then hears our
ringback). Out: seize, wait for the exchange's dial tone, dial DTMF, cut the audio through.
In a call, the far end hanging up is noticed by whichever comes first of loop-current drop,
polarity reversal and busy/congestion tone. A line that rings while we seize it (glare)
takes the incoming call instead, and the outgoing call moves to another free line.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import aio
from drivers.ports import Health
from firmware.config.schema import FxoPortConfig
from firmware.engine.calls import Call, CallState, Indication, Party
from firmware.engine.fxo_mode import FxoMode
from firmware.engine.fxo_outbound import OutgoingCalls
from firmware.engine.timers import Timer
from firmware.verbs import EndReason

if TYPE_CHECKING:
    from drivers.fxo import FxoPort
    from firmware.engine.line_services import LineServices
    from firmware.engine.port_channel import PortChannel
    from voice.callerid import CallerId

log = logging.getLogger(__name__)

RING_GONE_MIN_S = 3.0  # the caller has given up: no ring for this long at least, or ...
RING_GONE_CADENCE_FACTOR = 1.5  # ... this times the country's longest ring pause, plus
RING_GONE_MARGIN_S = 1.0  # this, for exchanges a little slower than the profile
CALLER_ID_WAIT_S = 4.5  # after the first ring starts, wait this long for caller ID
CALLER_ID_FRESH_S = 8.0  # caller ID sent before the first ring belongs to a ring this soon
RELEASE_GUARD_S = 1.0  # after releasing, the exchange needs this long to clear the line
RECENT_RING_S = 8.0  # a line that rang this recently is not taken for an outgoing call
NO_ANSWER_S = 60.0  # a caller we answered (after N rings, glare) waits this long for someone
REFUSED_BUSY_S = 4.0  # a caller we hold but cannot put through hears busy this long


__all__ = ["FxoLine", "FxoMode"]


class FxoLine(OutgoingCalls):
    """The endpoint of one FXO port (its outgoing half is in fxo_outbound)."""

    def __init__(self, port: FxoPort, channel: PortChannel, context: LineServices) -> None:
        self.port = port
        self.channel = channel
        self.context = context
        self.name = channel.name
        self.mode = FxoMode.IDLE
        self.since = aio.wall_time()
        self.call: Call | None = None
        self.rings = 0
        self.ringing_since = 0.0  # wall time of this call's first ring
        self.caller_id: CallerId | None = None
        self._caller_id_at = -1e9
        self._caller_id_wall = 0.0
        self._last_ring_at = -1e9
        self._answered_polarity = False
        self._ring_gone = Timer(self._ringing_stopped_for_good)
        self._caller_id_wait = Timer(self._offer_inbound)
        self._dial_tone_wait = Timer(self._no_dial_tone)
        self._no_answer = Timer(self._nobody_answered)
        self._refused = Timer(self._release)
        self._guard = Timer(self._guard_over)
        self._work: aio.Task[None] | None = None
        channel.on_caller_id = self.caller_id_received
        channel.on_tone = self.tone_heard

    @property
    def settings(self) -> FxoPortConfig | None:
        settings = self.context.port_config(self.port.index)
        return settings if isinstance(settings, FxoPortConfig) else None

    @property
    def party(self) -> Party:
        settings = self.settings
        number = settings.number if settings is not None else ""
        label = settings.label if settings is not None else ""
        return Party(number or f"line{self.port.index}", label)

    def in_service(self) -> bool:
        settings = self.settings
        return settings is not None and settings.enabled and self.port.health is Health.OK

    def available_for_outbound(self) -> bool:
        settings = self.settings
        now = aio.monotonic()
        return (
            self.mode is FxoMode.IDLE
            and settings is not None
            and settings.outbound
            and self.in_service()
            and now - self._last_ring_at > RECENT_RING_S
            and now - self._caller_id_at > CALLER_ID_FRESH_S
        )

    # Port events.
    def ring_started(self) -> None:
        if not self.in_service():
            return
        self._last_ring_at = aio.monotonic()
        self._ring_gone.cancel()
        if self.mode in (FxoMode.SEIZING, FxoMode.DIALING):
            self._glare()
            return
        if self.mode is FxoMode.RELEASING:
            self._guard.cancel()  # a new call already: the exchange has cleared the old one
            self._reset()
        if self.mode not in (FxoMode.IDLE, FxoMode.RINGING):
            return
        self.rings += 1
        if self.mode is FxoMode.IDLE:
            self.ringing_since = aio.wall_time()
            self._set_mode(FxoMode.RINGING)
            if aio.monotonic() - self._caller_id_at > CALLER_ID_FRESH_S:
                self.caller_id = None  # left over from something that never rang
            elif self.caller_id is not None:
                self.ringing_since = self._caller_id_wall  # the call began with caller ID
            if self.caller_id is not None or not self._caller_id_between_rings():
                self._offer_inbound()
            else:
                self._caller_id_wait.start(CALLER_ID_WAIT_S)
        elif self.call is None:
            self._offer_inbound()  # the second ring: caller ID, if any, has been sent
        self._maybe_answer_early()

    def ring_stopped(self) -> None:
        self._last_ring_at = aio.monotonic()
        if self.mode is FxoMode.RINGING and not self.port.seized:
            self._ring_gone.start(self._ring_gone_s())

    def far_end_gone(self, how: str) -> None:
        """Loop-current drop, polarity reversal or busy tone: the far end hung up."""
        if self.mode not in (FxoMode.TALKING, FxoMode.DIALING, FxoMode.SEIZING) and not (
            self.mode is FxoMode.RINGING and self.port.seized
        ):
            return
        call = self.call
        if self._work is not None and call is not None:
            # Still waiting for loop current after going off-hook: the seizure failed.
            log.error("%s: no loop current after seizing the line (%s)", self.name, how)
            if call.origin is self:
                self._fail_call(EndReason.SEIZE_FAILED)
            else:
                self._release()
                self._give_up_outbound(call, EndReason.SEIZE_FAILED)
            return
        log.info("%s: far end hung up (%s)", self.name, how)
        self._release()
        if call is None:
            return
        if call.state is CallState.ALERTING and self in call.alerting:
            self._give_up_outbound(call, EndReason.LINE_FAILED)  # gone while dialling
        else:
            self.context.calls.hang_up(self, call)

    def polarity_reversed(self) -> None:
        if not self.port.seized:
            if self.mode is FxoMode.IDLE:
                self._last_ring_at = aio.monotonic()  # an alert before caller ID: a call
            return
        settings = self.settings
        if settings is None or not settings.disconnect.polarity_reversal:
            return
        call = self.call
        if (
            call is not None
            and call.origin is not self
            and self.mode in (FxoMode.DIALING, FxoMode.TALKING)
            and not self._answered_polarity
        ):
            # The first reversal on an outgoing call is the far end answering.
            self._answered_polarity = True
            self._far_end_answered(call)
            return
        self.far_end_gone("polarity")

    def loop_dropped(self) -> None:
        self.far_end_gone("loop_drop")

    def port_failed(self) -> None:
        """The port went out of service (DAA or line-side fault): its call cannot go on."""
        call = self.call
        log.error("%s: out of service: %s", self.name, self.port.reason)
        if call is not None and call.state is CallState.ALERTING and call.origin is not self:
            self._release()
            self._give_up_outbound(call, EndReason.LINE_FAILED)
        elif call is not None:
            self._fail_call(EndReason.LINE_FAILED)
        else:
            self._release()

    # Endpoint interface.
    def withdraw(self, call: Call) -> None:
        if call is self.call:
            self._release()

    def progress(self, call: Call, indication: Indication) -> None:
        if call is not self.call or not self.port.seized:
            return
        if indication is Indication.PROCEEDING:
            self.channel.play(None)
            return
        tone = "ringback" if indication is Indication.RINGBACK else "busy"
        self.channel.play(self.context.tone(tone))

    def connected(self, call: Call) -> None:
        self.call = call
        self._no_answer.cancel()
        self._ring_gone.cancel()
        self.channel.play(None)
        if not self.port.seized and self._work is None:
            self._work = aio.create_task(self._seize_for_inbound())
        self._set_mode(FxoMode.TALKING)

    def released(self, call: Call) -> None:
        if call is self.call:
            self._release()

    def peer(self) -> str:
        if self.call is None:
            return ""
        if self.call.origin is self:
            return self.call.caller.number
        return self.call.dialled

    # Incoming calls.
    def _caller_id_between_rings(self) -> bool:
        """Caller ID is still to come after this first ring."""
        return (
            self.context.caller_id_standard_for(self.port.index) != "off"
            and self.context.country.caller_id.timing == "after_first_ring"
        )

    def _ring_gone_s(self) -> float:
        cadence = self.context.country.ringing.cadences_ms.external
        longest_pause_s = max(cadence[1::2], default=0) / 1000
        return max(RING_GONE_MIN_S, longest_pause_s * RING_GONE_CADENCE_FACTOR + RING_GONE_MARGIN_S)

    def caller_id_received(self, caller_id: CallerId) -> None:
        log.info("%s: caller ID %s %s", self.name, caller_id.number or "-", caller_id.name or "")
        if self.mode in (FxoMode.IDLE, FxoMode.RELEASING):
            self._keep_caller_id(caller_id)  # before the first ring
        elif self.mode is FxoMode.RINGING and self.call is None:
            self._keep_caller_id(caller_id)
            self._offer_inbound()

    def _keep_caller_id(self, caller_id: CallerId) -> None:
        self.caller_id = caller_id
        self._caller_id_at = aio.monotonic()
        self._caller_id_wall = aio.wall_time()

    def _offer_inbound(self) -> None:
        if self.call is not None or self.mode is not FxoMode.RINGING:
            return
        self._caller_id_wait.cancel()
        caller = Party(
            (self.caller_id.number if self.caller_id else "") or "",
            (self.caller_id.name if self.caller_id else "") or "",
        )
        self.caller_id = None  # used: a later call must not show it
        call = self.call = self.context.call_inbound(self, caller)
        if call.state is CallState.ENDED and self.port.seized:
            # We hold the line (glare) and nobody can take the caller: say so, then let go.
            self.channel.play(self.context.tone("busy"))
            self._refused.start(REFUSED_BUSY_S)
            return
        self._maybe_answer_early()

    def _maybe_answer_early(self) -> None:
        settings = self.settings
        wanted = settings.answer_after_rings if settings is not None else 0
        call = self.call
        if (
            wanted
            and call is not None
            and not call.routed  # routing answers when its scenario says so
            and call.state is CallState.ALERTING
            and self.rings >= wanted
            and not self.port.seized
            and self._work is None
        ):
            self._work = aio.create_task(self._seize_for_inbound(ringback=True))

    @property
    def caller_on_line(self) -> bool:
        return self.port.seized

    async def answer_by_system(self) -> bool:
        """Go off-hook for the caller (routing answers to play a greeting); True once the
        line is seized. A line that cannot be seized ends the call."""
        if self.port.seized:
            return True
        if self._work is None:
            self._work = aio.create_task(self._seize_for_inbound())
        # A release meanwhile cancels the seizure; that is an answer too (not seized).
        await aio.gather(self._work, return_exceptions=True)
        if self.port.seized and self.call is not None:
            self._set_mode(FxoMode.TALKING)
        return self.port.seized

    async def _seize_for_inbound(self, *, ringback: bool = False) -> None:
        try:
            if not await self._seize("answer the line"):
                self._work = None
                self._fail_call(EndReason.SEIZE_FAILED)
                return
            self._ring_gone.cancel()
            call = self.call
            if ringback and call is not None and call.state is CallState.ALERTING:
                self.channel.play(self.context.tone("ringback"))
                self._no_answer.start(NO_ANSWER_S)
        finally:
            self._work = None

    def _nobody_answered(self) -> None:
        if self.call is not None and self.call.state is CallState.ALERTING:
            log.info("%s: nobody answered in %.0f s: releasing the line", self.name, NO_ANSWER_S)
            self._fail_call(EndReason.NO_ANSWER)

    def _ringing_stopped_for_good(self) -> None:
        if self.mode is FxoMode.RINGING and not self.port.seized:
            call = self.call
            self.call = None
            self._reset()
            if call is not None:
                log.info("%s: the caller gave up", self.name)
                self.context.calls.hang_up(self, call)

    # What the line says: tones, and a ring as we seize it.
    def tone_heard(self, name: str) -> None:
        settings = self.settings
        busy_tone = settings is None or settings.disconnect.busy_tone
        if name == "dial" and self.mode is FxoMode.SEIZING and self._dial_tone_wait.running:
            self._dial_tone_wait.cancel()
            self._dial(self.call)
        elif name in ("busy", "congestion") and busy_tone:
            self.far_end_gone(f"{name}_tone")
        elif name == "dial" and busy_tone and self._holding_inbound():
            self.far_end_gone("dial_tone")  # the caller left before we answered

    def _holding_inbound(self) -> bool:
        call = self.call
        return (
            call is not None
            and call.origin is self
            and self.port.seized
            and self.mode in (FxoMode.TALKING, FxoMode.RINGING)
        )

    def _glare(self) -> None:
        """The line rang as we seized it: the caller is on the line, the outgoing call
        moves to another line (or gets congestion)."""
        call = self.call
        log.warning("%s: line rang while being seized (glare)", self.name)
        self._dial_tone_wait.cancel()
        self.call = None
        self.channel.play(None)
        self.rings = 1
        self.ringing_since = aio.wall_time()
        self._last_ring_at = aio.monotonic()
        self._set_mode(FxoMode.RINGING)
        if call is not None:
            self._give_up_outbound(call, EndReason.GLARE)
        self._offer_inbound()
        held = self.call
        if self.port.seized and held is not None and held.state is CallState.ALERTING:
            self.channel.play(self.context.tone("ringback"))
            self._no_answer.start(NO_ANSWER_S)

    # Ending.
    def _fail_call(self, reason: EndReason) -> None:
        """End our call for a reason of the line's own (it cannot be seized, no answer)."""
        call = self.call
        self._release()
        if call is None or call.state is CallState.ENDED:
            return
        for target in list(call.alerting):
            target.withdraw(call)
        call.alerting.clear()
        others = call.others(self)
        self.context.calls.end(call, reason, hung_up_by="system")
        for party in others:
            party.released(call)

    def _release(self) -> None:
        for timer in (
            self._dial_tone_wait,
            self._caller_id_wait,
            self._ring_gone,
            self._no_answer,
            self._refused,
        ):
            timer.cancel()
        if self._work is not None:
            self._work.cancel()
            self._work = None
        self.call = None
        self.channel.play(None)
        if self.port.seized:
            aio.create_task(self.port.release())
            self._set_mode(FxoMode.RELEASING)
            self._guard.start(RELEASE_GUARD_S)
        else:
            self._reset()

    def _guard_over(self) -> None:
        if self.mode is FxoMode.RELEASING:
            self._reset()

    def _reset(self) -> None:
        self.rings = 0
        self._answered_polarity = False
        self._set_mode(FxoMode.IDLE)

    def _set_mode(self, mode: FxoMode) -> None:
        if mode is not self.mode:
            self.mode = mode
            self.since = aio.wall_time()
        self.context.endpoint_changed(self)
