"""FXO line supervision: calls in and out over an exchange line.

In: a validated ring, then caller ID (before the first ring or between rings, as the
country does it), then the call is offered to the line's destinations; the line is seized
when an extension answers, or after N rings when so configured (the caller then hears our
ringback). Out: seize, wait for the exchange's dial tone, dial DTMF, cut the audio through.
In a call, the far end hanging up is noticed by whichever comes first of loop-current drop,
polarity reversal and busy/congestion tone. A line that rings while we seize it (glare)
takes the incoming call instead.
"""

from __future__ import annotations

import logging
from enum import Enum
from typing import TYPE_CHECKING

from drivers.fxo import FxoSeizeError
from firmware import aio
from firmware.engine.calls import Call, CallState, Indication, Party
from firmware.engine.sources import SampleSource
from firmware.engine.timers import Timer

if TYPE_CHECKING:
    from drivers.fxo import FxoPort
    from firmware.engine.context import EngineContext
    from firmware.engine.port_channel import PortChannel
    from voice.callerid import CallerId

log = logging.getLogger(__name__)

DIAL_TONE_TIMEOUT_S = 4.0  # the exchange must give dial tone within this after seizure
RING_GONE_S = 7.0  # longer than any cadence's silence: the caller has given up
CALLER_ID_WAIT_S = 4.5  # after the first ring starts, wait this long for caller ID
RELEASE_GUARD_S = 1.0  # after releasing, leave the line alone this long
RECENT_RING_S = 8.0  # a line that rang this recently is not taken for an outgoing call


class FxoMode(Enum):
    IDLE = "idle"
    RINGING = "ringing"
    SEIZING = "seizing"
    DIALING = "dialling"
    TALKING = "talking"
    RELEASING = "releasing"


class FxoLine:
    """The endpoint of one FXO port."""

    def __init__(self, port: FxoPort, channel: PortChannel, context: EngineContext) -> None:
        self.port = port
        self.channel = channel
        self.context = context
        self.name = channel.name
        self.mode = FxoMode.IDLE
        self.since = aio.wall_time()
        self.call: Call | None = None
        self.rings = 0
        self.caller_id: CallerId | None = None
        self._last_ring_at = -1e9
        self._answered_polarity: int | None = None
        self._ring_gone = Timer(self._ringing_stopped_for_good)
        self._caller_id_wait = Timer(self._offer_inbound)
        self._dial_tone_wait = Timer(self._no_dial_tone)
        self._guard = Timer(self._guard_over)
        self._work: aio.Task[None] | None = None
        channel.on_caller_id = self._caller_id_received
        channel.on_tone = self._tone_heard

    @property
    def settings(self):  # type: ignore[no-untyped-def]
        return self.context.port_config(self.port.index)

    @property
    def party(self) -> Party:
        settings = self.settings
        number = settings.number if settings is not None else ""
        label = settings.label if settings is not None else ""
        return Party(number or f"line{self.port.index}", label)

    def available_for_outbound(self) -> bool:
        settings = self.settings
        return (
            self.mode is FxoMode.IDLE
            and settings is not None
            and settings.enabled
            and settings.outbound
            and self.port.status().health.value == "ok"
            and aio.monotonic() - self._last_ring_at > RECENT_RING_S
        )

    # Port events.
    def ring_started(self) -> None:
        self._last_ring_at = aio.monotonic()
        self._ring_gone.cancel()
        if self.mode in (FxoMode.SEIZING, FxoMode.DIALING):
            self._glare()
            return
        if self.mode not in (FxoMode.IDLE, FxoMode.RINGING):
            return
        self.rings += 1
        if self.mode is FxoMode.IDLE:
            self._set_mode(FxoMode.RINGING)
            if self._caller_id_expected():
                self._caller_id_wait.start(CALLER_ID_WAIT_S)
            else:
                self._offer_inbound()
        elif self.call is None:
            self._offer_inbound()  # the second ring: caller ID, if any, has been sent
        self._maybe_answer_early()

    def ring_stopped(self) -> None:
        self._last_ring_at = aio.monotonic()
        if self.mode is FxoMode.RINGING:
            self._ring_gone.start(RING_GONE_S)

    def far_end_gone(self, how: str) -> None:
        """Loop-current drop, polarity reversal or busy tone: the far end hung up."""
        if self.mode in (FxoMode.TALKING, FxoMode.DIALING, FxoMode.SEIZING) or (
            self.mode is FxoMode.RINGING and self.port.seized
        ):
            log.info("%s: far end hung up (%s)", self.name, how)
            call = self.call
            self._release()
            if call is not None:
                if call.state is CallState.ALERTING and self in call.alerting:
                    self.context.calls.decline(self, call, f"far_end_{how}")
                else:
                    self.context.calls.hang_up(self, call)

    def polarity_reversed(self) -> None:
        settings = self.settings
        if settings is None or not settings.disconnect.polarity_reversal:
            return
        if self.mode is FxoMode.TALKING and self._answered_polarity is None and self._outbound():
            # The first reversal on an outgoing call is the far end answering.
            self._answered_polarity = 1
            return
        if self.mode is FxoMode.TALKING:
            self.far_end_gone("polarity")

    def loop_dropped(self) -> None:
        self.far_end_gone("loop_drop")

    # Endpoint interface.
    def offer(self, call: Call) -> bool:
        if not self.available_for_outbound():
            return False
        self.call = call
        self._set_mode(FxoMode.SEIZING)
        self._work = aio.create_task(self._seize_and_dial(call))
        return True

    def withdraw(self, call: Call) -> None:
        if call is self.call:
            self._release()

    def progress(self, call: Call, indication: Indication) -> None:
        if call is not self.call or not self.port.seized:
            return
        tone = "ringback" if indication is Indication.RINGBACK else "busy"
        self.channel.play(self.context.tone(tone))

    def connected(self, call: Call) -> None:
        self.call = call
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

    # Inside.
    def _caller_id_expected(self) -> bool:
        return self.context.caller_id_standard_for(self.port.index) != "off"

    def _caller_id_received(self, caller_id: CallerId) -> None:
        self.caller_id = caller_id
        log.info("%s: caller ID %s %s", self.name, caller_id.number, caller_id.name or "")
        if self.mode is FxoMode.RINGING and self.call is None:
            self._caller_id_wait.cancel()
            self._offer_inbound()

    def _offer_inbound(self) -> None:
        if self.call is not None or self.mode is not FxoMode.RINGING:
            return
        self._caller_id_wait.cancel()
        caller = Party(
            (self.caller_id.number if self.caller_id else "") or "",
            (self.caller_id.name if self.caller_id else "") or "",
        )
        self.call = self.context.call_inbound(self, caller)
        self._maybe_answer_early()

    def _maybe_answer_early(self) -> None:
        settings = self.settings
        wanted = settings.answer_after_rings if settings is not None else 0
        call = self.call
        if (
            wanted
            and call is not None
            and call.state is CallState.ALERTING
            and self.rings >= wanted
            and not self.port.seized
            and self._work is None
        ):
            self._work = aio.create_task(self._seize_for_inbound(ringback=True))

    async def _seize_for_inbound(self, *, ringback: bool = False) -> None:
        try:
            try:
                await self.port.seize()
            except FxoSeizeError as error:
                log.error("%s: cannot answer the line: %s", self.name, error)
                call = self.call
                self._work = None
                self._release()
                if call is not None:
                    self.context.calls.hang_up(self, call)
                return
            self._ring_gone.cancel()
            if ringback and self.call is not None and self.call.state is CallState.ALERTING:
                self.channel.play(self.context.tone("ringback"))
        finally:
            self._work = None

    async def _seize_and_dial(self, call: Call) -> None:
        try:
            try:
                await self.port.seize()
            except FxoSeizeError as error:
                log.error("%s: cannot seize the line: %s", self.name, error)
                self._work = None
                self._release()
                self.context.calls.decline(self, call, "seize_failed", Indication.CONGESTION)
                return
            if self.call is not call or self.mode is not FxoMode.SEIZING:
                return
            self._dial_tone_wait.start(DIAL_TONE_TIMEOUT_S)
        finally:
            self._work = None

    def _tone_heard(self, name: str) -> None:
        if name == "dial" and self.mode is FxoMode.SEIZING and self._dial_tone_wait.running:
            self._dial_tone_wait.cancel()
            self._dial(self.call)
        elif name in ("busy", "congestion") and self.mode is FxoMode.TALKING:
            settings = self.settings
            if settings is None or settings.disconnect.busy_tone:
                self.far_end_gone(f"{name}_tone")

    def _dial(self, call: Call | None) -> None:
        if call is None:
            return
        self._set_mode(FxoMode.DIALING)
        samples = self.context.dtmf_samples(call.dialled)
        log.info("%s: dialling %s", self.name, call.dialled)

        def dialled() -> None:
            if self.call is call and self.mode is FxoMode.DIALING:
                self.channel.play(None)
                self.context.calls.answer(call, self)

        self.channel.play(SampleSource(samples, on_finished=dialled))

    def _no_dial_tone(self) -> None:
        call = self.call
        if self.mode is FxoMode.SEIZING and call is not None:
            log.warning("%s: no dial tone from the exchange", self.name)
            self._release()
            self.context.calls.decline(self, call, "no_dial_tone", Indication.CONGESTION)

    def _glare(self) -> None:
        """The line rang while we seized it for an outgoing call: take the incoming one."""
        call = self.call
        log.warning("%s: line rang while being seized (glare)", self.name)
        self._dial_tone_wait.cancel()
        self.call = None
        self.rings = 1
        self._set_mode(FxoMode.RINGING)
        if call is not None and not self.context.offer_other_line(call, self):
            self.context.calls.decline(self, call, "glare", Indication.CONGESTION)
        self._offer_inbound()
        if self.call is not None:
            self.channel.play(self.context.tone("ringback"))

    def _ringing_stopped_for_good(self) -> None:
        if self.mode is FxoMode.RINGING and not self.port.seized:
            call = self.call
            self.call = None
            self._reset()
            if call is not None:
                self.context.calls.hang_up(self, call)

    def _outbound(self) -> bool:
        return self.call is not None and self.call.origin is not self

    def _release(self) -> None:
        self._dial_tone_wait.cancel()
        self._caller_id_wait.cancel()
        self._ring_gone.cancel()
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
        self.caller_id = None
        self._answered_polarity = None
        self._set_mode(FxoMode.IDLE)

    def _set_mode(self, mode: FxoMode) -> None:
        if mode is not self.mode:
            self.mode = mode
            self.since = aio.wall_time()
        self.context.endpoint_changed(self)
