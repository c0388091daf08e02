"""Call control's verbs on the engine's calls: what routing drives an outside call with.

A routed call is opened by the inbound entry with nobody alerting; from then on routing
answers it (the line goes off-hook), plays to the caller, collects the keys the caller
presses (DTMF detected on the exchange line's audio), offers it to extensions with an
answer time each, and ends it. Keys, hang-ups and answers reach the waiting verbs as
wake-ups from the event loop's side: the PCM tick only appends a detected key and sets an
event, so no call control runs inside it. `CallManager` stays the only writer of the call.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np

import aio
from firmware.engine.call import Call, CallState, Endpoint
from firmware.engine.calls import CallManager
from firmware.engine.media import FRAME_SAMPLES, SILENCE, AudioSource, Channel
from firmware.engine.sources import SampleSource, hold_music
from firmware.verbs import (
    CallView,
    DigitsOutcome,
    DigitsResult,
    EndReason,
    MediaTap,
    OfferMode,
    OfferOutcome,
    OfferResult,
    OfferTarget,
    PlayOutcome,
    PlayResult,
    RingAttempt,
)
from voice.faxtones import FaxToneDetector

if TYPE_CHECKING:
    from firmware.engine.port_channel import PortChannel

log = logging.getLogger(__name__)


class SystemHeldLine(Endpoint, Protocol):
    """What call control needs of the endpoint a routed call came from: an exchange line
    an outside call rang in on, or a phone that dialled."""

    @property
    def channel(self) -> PortChannel: ...

    @property
    def caller_on_line(self) -> bool:
        """Whether the caller hears us already (the line answered, the phone off-hook)."""
        ...

    async def answer_by_system(self) -> bool: ...


class Directory(Protocol):
    """Who is behind an extension, and the country's tones."""

    def endpoints_for_extension(self, extension: str) -> Sequence[Endpoint]: ...

    def port_of(self, endpoint: Endpoint) -> int | None: ...

    def line_for_number(self, call: Call, number: str) -> Endpoint | None:
        """A free exchange line to offer `call` to an outside number on, or None."""
        ...

    def tone(self, name: str) -> AudioSource: ...


class _Wakeup:
    """Wakes every waiter each time something happens to a call."""

    def __init__(self) -> None:
        self._event = aio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = aio.Event()

    async def wait(self, timeout_s: float | None) -> None:
        if timeout_s is None:
            await self._event.wait()
            return
        if timeout_s <= 0:
            return
        with contextlib.suppress(aio.TimeoutError):
            await aio.wait_for_ms(self._event.wait(), timeout_s * 1000)


class _TapVoice:
    """What taps say to the caller this tick (the fax receiver's signals)."""

    def __init__(self) -> None:
        self.frame: np.ndarray = SILENCE

    def next_frame(self) -> np.ndarray:
        frame, self.frame = self.frame, SILENCE
        return frame


@dataclass(eq=False)
class RoutedCall:
    """A call as routing sees it (`CallView`), with what call control keeps for it."""

    call: Call
    origin: SystemHeldLine
    keys: list[str] = field(default_factory=list)
    wakeup: _Wakeup = field(default_factory=_Wakeup)
    taps: list[MediaTap] = field(default_factory=list)
    voice: _TapVoice = field(default_factory=_TapVoice)
    fax_listener: FaxToneDetector | None = None  # while routing listens for a calling fax
    fax_heard: bool = False
    # The line's own DTMF listener, given back once routing no longer hears the caller.
    line_listener: tuple[Callable[[str], None] | None, Callable[[], bool]] | None = None

    @property
    def id(self) -> str:
        return self.call.id

    @property
    def caller_number(self) -> str:
        return self.call.caller.number

    @property
    def caller_name(self) -> str:
        return self.call.caller.name

    @property
    def dialled(self) -> str:
        return self.call.dialled

    @property
    def line(self) -> str:
        return self.origin.name

    @property
    def is_over(self) -> bool:
        return self.call.state is CallState.ENDED

    @property
    def held_by_system(self) -> bool:
        return self.call.state is CallState.ALERTING


class EngineCallControl:
    """The verbs of `firmware.verbs.CallControl` for calls on the hat."""

    def __init__(self, calls: CallManager, directory: Directory) -> None:
        self.calls = calls
        self.directory = directory
        self._routed: dict[Call, RoutedCall] = {}
        calls.on_change.append(self._call_changed)

    def adopt(self, call: Call, origin: SystemHeldLine) -> RoutedCall:
        """Take a call opened for routing: its line's keys now reach `collect_digits`,
        until a person answers it or it ends (then the line's own listener is back)."""
        routed = RoutedCall(call, origin)
        self._routed[call] = routed
        channel = origin.channel
        routed.line_listener = (channel.on_digit, channel.digits_wanted)

        def key_pressed(digit: str) -> None:  # runs in the PCM tick: append and wake only
            routed.keys.append(digit)
            routed.wakeup.notify()

        channel.on_digit = key_pressed
        channel.digits_wanted = lambda: routed.held_by_system
        return routed

    def routed_calls(self) -> list[RoutedCall]:
        return list(self._routed.values())

    # The media tick's part: taps hear the call and may speak to the caller.
    def tick(self) -> None:
        for routed in list(self._routed.values()):
            if routed.taps:
                self._run_taps(routed)
            if routed.fax_listener is not None and routed.held_by_system:
                self._listen_for_fax(routed)

    def _listen_for_fax(self, routed: RoutedCall) -> None:
        assert routed.fax_listener is not None
        events = routed.fax_listener.feed(routed.origin.channel.input_frame)
        if any(event.tone == "cng" and event.active for event in events):
            routed.fax_listener = None
            routed.fax_heard = True
            routed.wakeup.notify()

    def _run_taps(self, routed: RoutedCall) -> None:
        call = routed.call
        caller = routed.origin.channel.input_frame
        others = [p.channel for p in call.others(routed.origin)] if call.parties else []
        other = _sum_of(others) if call.state is CallState.CONNECTED and others else None
        for tap in list(routed.taps):
            try:
                reply = tap.frame(caller, other)
            except Exception:
                log.exception("call %s: a media tap failed and was removed", call.id)
                routed.taps.remove(tap)
                continue
            if reply is not None and len(reply) == FRAME_SAMPLES:
                routed.voice.frame = reply.astype(np.int16, copy=False)
                channel = routed.origin.channel
                if channel.bridge is None and channel.source is not routed.voice:
                    channel.play(routed.voice)

    # Verbs.
    async def answer(self, view: CallView) -> None:
        call = _own(view)
        if call.is_over or call.origin.caller_on_line:
            return
        await call.origin.answer_by_system()

    async def play(
        self,
        view: CallView,
        audio: np.ndarray,
        *,
        interrupt_digits: str = "",
        loop: bool = False,
        max_s: float | None = None,
    ) -> PlayResult:
        call = _own(view)
        if call.is_over:
            return PlayResult(PlayOutcome.CALLER_GONE)
        source = SampleSource(audio, loop=loop, on_finished=call.wakeup.notify)
        self._play(call, source)
        deadline = None if max_s is None else aio.monotonic() + max_s
        try:
            while True:
                if call.is_over:
                    return PlayResult(PlayOutcome.CALLER_GONE)
                for index, key in enumerate(call.keys):
                    if key in interrupt_digits:
                        del call.keys[index]  # keys typed ahead stay for collect_digits
                        return PlayResult(PlayOutcome.INTERRUPTED, key)
                if source.finished:
                    return PlayResult(PlayOutcome.FINISHED)
                left = None if deadline is None else deadline - aio.monotonic()
                if left is not None and left <= 0:
                    return PlayResult(PlayOutcome.FINISHED)
                await call.wakeup.wait(left)
        finally:
            self._stop(call, source)

    async def play_tone(self, view: CallView, tone: str, *, max_s: float) -> PlayResult:
        call = _own(view)
        if call.is_over:
            return PlayResult(PlayOutcome.CALLER_GONE)
        call.call.outcome = _TONE_OUTCOMES.get(tone) or call.call.outcome
        if not call.origin.caller_on_line:
            # A line still ringing at the exchange would carry nothing: answer so the
            # caller hears the tone, rather than ringing on into a dead line.
            await call.origin.answer_by_system()
            if call.is_over:
                return PlayResult(PlayOutcome.CALLER_GONE)
        source = self.directory.tone(tone)
        self._play(call, source)
        deadline = aio.monotonic() + max_s
        try:
            while not call.is_over:
                left = deadline - aio.monotonic()
                if left <= 0:
                    return PlayResult(PlayOutcome.FINISHED)
                await call.wakeup.wait(left)
            return PlayResult(PlayOutcome.CALLER_GONE)
        finally:
            self._stop(call, source)

    async def collect_digits(
        self,
        view: CallView,
        *,
        max_digits: int,
        first_digit_s: float,
        inter_digit_s: float,
        terminators: str = "#",
    ) -> DigitsResult:
        call = _own(view)
        digits = ""
        deadline = aio.monotonic() + first_digit_s
        while len(digits) < max_digits:
            if call.is_over:
                return DigitsResult(digits, DigitsOutcome.CALLER_GONE)
            if call.keys:
                key = call.keys.pop(0)
                digits += key
                if key in terminators:
                    break
                deadline = aio.monotonic() + inter_digit_s
                continue
            left = deadline - aio.monotonic()
            if left <= 0:
                return DigitsResult(digits, DigitsOutcome.TIMEOUT)
            await call.wakeup.wait(left)
        return DigitsResult(digits, DigitsOutcome.COMPLETE)

    async def offer(
        self,
        view: CallView,
        targets: Sequence[OfferTarget],
        *,
        mode: OfferMode,
        caller_hears: str = "ringback",
        max_s: float | None = None,
    ) -> OfferResult:
        call = _own(view)
        if call.is_over:
            return OfferResult(OfferOutcome.CALLER_GONE)
        self._caller_waits(call, caller_hears)
        groups = [list(targets)] if mode == OfferMode.TOGETHER else [[t] for t in targets]
        attempts: list[RingAttempt] = []
        outcomes: list[OfferOutcome] = []
        started = aio.monotonic()
        try:
            for group in groups:
                left = None if max_s is None else max_s - (aio.monotonic() - started)
                if left is not None and left <= 0:
                    break
                outcome, answered_by = await self._ring(call, group, left, attempts)
                if outcome in (OfferOutcome.ANSWERED, OfferOutcome.CALLER_GONE):
                    return OfferResult(outcome, answered_by, attempts)
                outcomes.append(outcome)
        finally:
            if call.held_by_system and not call.is_over:
                call.origin.channel.play(None)
        if outcomes and all(o == OfferOutcome.BUSY for o in outcomes):
            return OfferResult(OfferOutcome.BUSY, attempts=attempts)
        if outcomes and all(o == OfferOutcome.UNAVAILABLE for o in outcomes):
            return OfferResult(OfferOutcome.UNAVAILABLE, attempts=attempts)
        return OfferResult(OfferOutcome.NO_ANSWER, attempts=attempts)

    async def _ring(
        self,
        call: RoutedCall,
        group: list[OfferTarget],
        max_s: float | None,
        attempts: list[RingAttempt],
    ) -> tuple[OfferOutcome, str]:
        started = aio.monotonic()
        ringing: dict[Endpoint, OfferTarget] = {}
        busy = False
        for target in group:
            label = target.label or target.extension or target.external_number
            if target.external_number and not target.extension:
                line = self.directory.line_for_number(call.call, target.external_number)
                if line is None:  # every exchange line is in use
                    busy = True
                    attempts.append(RingAttempt(label, 0.0, OfferOutcome.BUSY))
                    continue
                endpoints: list[Endpoint] = [line]
            else:
                endpoints = self._endpoints_for(target)
            if not endpoints:
                attempts.append(RingAttempt(label, 0.0, OfferOutcome.UNAVAILABLE))
                continue
            offered = [e for e in endpoints if self.calls.offer_to(call.call, e)]
            if offered:
                ringing.update(dict.fromkeys(offered, target))
            else:
                busy = True
                attempts.append(RingAttempt(label, 0.0, OfferOutcome.BUSY))
        if not ringing:
            return (OfferOutcome.BUSY if busy else OfferOutcome.UNAVAILABLE), ""
        limit = max(target.answer_s for target in ringing.values())
        if max_s is not None:
            limit = min(limit, max_s)
        pending = dict(ringing)
        try:
            while True:
                rang = aio.monotonic() - started
                if call.call.state is CallState.CONNECTED:
                    answered_by = ""
                    for endpoint, target in ringing.items():
                        answered = endpoint in call.call.parties
                        outcome = OfferOutcome.ANSWERED if answered else OfferOutcome.CANCELLED
                        if answered:
                            answered_by = target.label or target.extension
                        if endpoint in pending or answered:
                            attempts.append(RingAttempt(_label(target), rang, outcome))
                    return OfferOutcome.ANSWERED, answered_by
                if call.is_over:
                    for target in pending.values():
                        attempts.append(RingAttempt(_label(target), rang, OfferOutcome.CALLER_GONE))
                    return OfferOutcome.CALLER_GONE, ""
                for endpoint, target in list(pending.items()):
                    if endpoint not in call.call.alerting:  # declined (went busy, failed)
                        del pending[endpoint]
                        attempts.append(RingAttempt(_label(target), rang, OfferOutcome.NO_ANSWER))
                    elif rang >= min(target.answer_s, limit):
                        del pending[endpoint]
                        self.calls.stop_offering(call.call, endpoint, EndReason.NO_ANSWER)
                        attempts.append(RingAttempt(_label(target), rang, OfferOutcome.NO_ANSWER))
                if not pending:
                    return OfferOutcome.NO_ANSWER, ""
                next_due = min(min(t.answer_s, limit) for t in pending.values()) - rang
                await call.wakeup.wait(max(next_due, 0.0))
        except aio.CancelledError:
            rang = aio.monotonic() - started
            for endpoint, target in pending.items():
                self.calls.stop_offering(call.call, endpoint, EndReason.CANCELLED)
                attempts.append(RingAttempt(_label(target), rang, OfferOutcome.CANCELLED))
            raise

    def _endpoints_for(self, target: OfferTarget) -> list[Endpoint]:
        if not target.extension:
            return []
        endpoints = list(self.directory.endpoints_for_extension(target.extension))
        if target.device_port is not None:
            endpoints = [e for e in endpoints if self.directory.port_of(e) == target.device_port]
        return endpoints

    async def hold(self, view: CallView, *, music: bool = True) -> None:
        call = _own(view)
        if not call.is_over:
            self._caller_waits(call, "music" if music else "ringback")

    async def wait_until_gone(self, view: CallView) -> None:
        call = _own(view)
        while not call.is_over:
            await call.wakeup.wait(None)

    async def fax_tone(self, view: CallView) -> bool:
        call = _own(view)
        call.fax_listener = FaxToneDetector()
        try:
            while not call.fax_heard:
                if not call.held_by_system:
                    return False
                await call.wakeup.wait(None)
            return True
        finally:
            call.fax_listener = None

    def add_tap(self, view: CallView, tap: MediaTap) -> Callable[[], None]:
        call = _own(view)
        call.taps.append(tap)

        def remove() -> None:
            if tap in call.taps:
                call.taps.remove(tap)
            channel = call.origin.channel
            if not call.taps and channel.source is call.voice:
                channel.play(None)

        return remove

    def note_step(self, view: CallView, operation: str, exit_name: str) -> None:
        call = _own(view)
        self.calls.step_reached(call.call, operation)
        if exit_name:
            log.info("%s: %s → %s", call.id, operation, exit_name)

    async def hang_up(self, view: CallView, reason: EndReason) -> None:
        call = _own(view)
        inner = call.call
        if inner.state is CallState.ENDED:
            return
        for target in list(inner.alerting):
            self.calls.stop_offering(inner, target, reason)
        others = inner.others(call.origin)
        self.calls.end(inner, reason, hung_up_by="system")
        call.origin.released(inner)
        for party in others:
            party.released(inner)

    # Inside.
    def _play(self, call: RoutedCall, source: AudioSource) -> None:
        if call.held_by_system:
            call.origin.channel.play(source)

    def _stop(self, call: RoutedCall, source: AudioSource) -> None:
        channel = call.origin.channel
        if channel.source is source:
            channel.play(None)

    def _caller_waits(self, call: RoutedCall, hears: str) -> None:
        """What a caller on a line we answered hears while routing rings someone; on a line
        still ringing the exchange plays its own ringback."""
        if not call.origin.caller_on_line:
            return
        if hears == "music":
            self._play(call, SampleSource(hold_music(), loop=True))
        elif hears == "ringback":
            self._play(call, self.directory.tone("ringback"))
        else:
            self._play(call, SampleSource(SILENCE))

    def _call_changed(self, call: Call) -> None:
        routed = self._routed.get(call)
        if routed is None:
            return
        routed.wakeup.notify()
        if call.state is not CallState.ALERTING and routed.line_listener is not None:
            # The caller talks to a person now, or is gone: the line listens for itself.
            channel = routed.origin.channel
            channel.on_digit, channel.digits_wanted = routed.line_listener
            routed.line_listener = None
        if call.state is CallState.ENDED:
            del self._routed[call]


# A caller who hangs up on these tones ended a call that was busy, or reached nobody.
_TONE_OUTCOMES = {"busy": EndReason.BUSY, "congestion": EndReason.UNAVAILABLE}


def _own(view: CallView) -> RoutedCall:
    """Routing hands back the call views this control gave it."""
    if not isinstance(view, RoutedCall):
        raise TypeError(f"not a call of this engine: {view!r}")
    return view


def _label(target: OfferTarget) -> str:
    return target.label or target.extension or target.external_number


def _sum_of(channels: list[Channel]) -> np.ndarray:
    if len(channels) == 1:
        return channels[0].input_frame
    total = np.sum([c.input_frame.astype(np.int32) for c in channels], axis=0)
    return np.clip(total, -32768, 32767).astype(np.int16)
