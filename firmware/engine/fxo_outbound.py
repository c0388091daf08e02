"""Calls out over an exchange line: seize, wait for the exchange's dial tone, dial DTMF and
cut the audio through. A line that cannot be seized, gives no dial tone or rings as it is
seized (glare) hands the call to the next free line it has not tried, else the caller gets
congestion. Part of FxoLine (see fxo_line), kept apart to keep each half readable.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, cast

import aio
from drivers.fxo import FxoSeizeError
from firmware.engine.call import Endpoint
from firmware.engine.calls import Call, CallState, Indication
from firmware.engine.fxo_mode import FxoMode
from firmware.engine.sources import SampleSource
from firmware.verbs import EndReason

if TYPE_CHECKING:
    from drivers.fxo import FxoPort
    from firmware.engine.line_services import LineServices
    from firmware.engine.port_channel import PortChannel
    from firmware.engine.timers import Timer

log = logging.getLogger(__name__)

DIAL_TONE_TIMEOUT_S = 4.0  # the exchange must give dial tone within this after seizure


class OutgoingCalls(ABC):
    """The outgoing half of FxoLine: the line provides the state declared here and the
    abstract methods."""

    name: str
    port: FxoPort
    channel: PortChannel
    context: LineServices
    mode: FxoMode
    call: Call | None
    _work: aio.Task[None] | None
    _dial_tone_wait: Timer

    @property
    def _line(self) -> Endpoint:
        return cast("Endpoint", self)

    @abstractmethod
    def available_for_outbound(self) -> bool:
        """Provided by the line."""

    @abstractmethod
    def _set_mode(self, mode: FxoMode) -> None:
        """Provided by the line."""

    @abstractmethod
    def _release(self) -> None:
        """Provided by the line."""

    @abstractmethod
    def _glare(self) -> None:
        """Provided by the line."""

    def offer(self, call: Call) -> bool:
        if not self.available_for_outbound():
            return False
        self.call = call
        self._set_mode(FxoMode.SEIZING)
        self._work = aio.create_task(self._seize_and_dial(call))
        return True

    async def _seize(self, purpose: str) -> bool:
        """Take the line off-hook (inbound and outbound alike); False, logged, when the
        chip cannot. The caller decides what a failed seizure means for its call."""
        try:
            await self.port.seize()
        except FxoSeizeError as error:
            log.error("%s: cannot %s: %s", self.name, purpose, error)
            return False
        return True

    async def _seize_and_dial(self, call: Call) -> None:
        try:
            if not await self._seize("seize the line"):
                self._work = None
                self._release()
                self._give_up_outbound(call, EndReason.SEIZE_FAILED)
                return
            if self.call is not call or self.mode is not FxoMode.SEIZING:
                return
            if self.port.seized_while_ringing:
                self._work = None
                self._glare()
                return
            self._dial_tone_wait.start(DIAL_TONE_TIMEOUT_S)
        finally:
            self._work = None

    def _dial(self, call: Call | None) -> None:
        if call is None:
            return
        self._set_mode(FxoMode.DIALING)
        number = self.context.number_to_dial(call)
        samples = self.context.dtmf_samples(number)
        log.info("%s: dialling %s", self.name, number)

        def dialled() -> None:
            if self.call is call and self.mode is FxoMode.DIALING:
                self.channel.play(None)
                self.context.calls.answer(call, self._line)

        self.channel.play(SampleSource(samples, on_finished=dialled))

    def _no_dial_tone(self) -> None:
        call = self.call
        if self.mode is FxoMode.SEIZING and call is not None:
            log.warning("%s: no dial tone from the exchange", self.name)
            self._release()
            self._give_up_outbound(call, EndReason.NO_DIAL_TONE)

    def _give_up_outbound(self, call: Call, reason: EndReason) -> None:
        """This line cannot carry `call`: another free line takes it, else congestion."""
        if call.state is not CallState.ALERTING:
            return
        if self.context.offer_other_line(call, self._line):
            log.info("%s: %s; %s goes out on another line", self.name, reason, call.id)
        self.context.calls.decline(self._line, call, reason, Indication.CONGESTION)

    def _far_end_answered(self, call: Call) -> None:
        """Answer supervision (polarity reversal): the call's talk time starts now."""
        now = aio.wall_time()
        log.info("%s: far end answered", self.name)
        call.record.answered_at = now
        for leg in call.record.legs:
            if leg.answered_at is not None and leg.ended_at is None:
                leg.answered_at = now
