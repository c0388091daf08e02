"""FxoPort: an exchange line on an Si3050 DAA, as the engine sees it.

The port brings the DAA up for the configured country termination, validates rings from the
ring detector, supervises the line (battery, polarity, loop current) and seizes and releases
it. It sleeps on the chip's interrupt pin and a slow supervision timer, and samples fast only
while a ring is being validated or is in progress, or while a change is being debounced.
Chip faults never raise out of `start()`: the port goes FAILED with a reason a person can act on.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass

import aio
from drivers.frames import TIMESLOT_BITS
from drivers.fxo_ring import RingState, RingValidationSettings, RingValidator, RingVerdict
from drivers.fxo_supervision import (
    FAST_POLL_MS,
    LineEvent,
    LineSupervisor,
    SupervisionSettings,
)
from drivers.hal.interfaces import Edge, GpioLine
from drivers.pcm import PcmSlot
from drivers.ports import EventKind, EventSink, Health, PortEvent, PortKind, PortStatus
from drivers.si3050 import Interrupt, Si3050, Si3050Error
from drivers.si3050_countries import load_termination

log = logging.getLogger(__name__)

NO_LINE_REASON = "no line voltage: check the exchange line cable"
LINK_LOST_REASON = (
    "isolation link to the line side lost: check the isolation capacitors / line side"
)
NO_INTERRUPT_POLL_MS = 40  # without an INT line, ring onsets are found by polling this often
SEIZE_POLL_MS = 10
SUPERVISION_SLACK_MS = 2  # a supervision tick this close is due (the ms clock rounds down)
PORT_INTERRUPTS = Interrupt.RING | Interrupt.POLARITY | Interrupt.FRAME_LOSS
RING, POLARITY, FRAME_LOSS = int(Interrupt.RING), int(Interrupt.POLARITY), int(Interrupt.FRAME_LOSS)


@dataclass(frozen=True)
class FxoSettings:
    """Per-port settings; times in ms. The first seven come from the port configuration."""

    law: str = "ulaw"
    termination: str = "TBR21"  # a name from drivers/si3050_countries.yaml
    disconnect_loop_drop_ms: int = 300
    no_line_alarm_ms: int = 1000
    on_hook_monitor: bool = True  # line audio while on-hook: caller ID before the first ring
    tx_gain_db: float = 0
    rx_gain_db: float = 0
    pcm_start_count_offset: int = 0  # bit clocks before timeslot 0 on this hat's highway
    supervision_interval_ms: int = 100
    ring_validate_ms: int = 160
    ring_off_debounce_ms: int = 250
    polarity_debounce_ms: int = 100
    loop_drop_ma: float = 5.0
    seize_guard_ms: int = 500
    seize_timeout_ms: int = 1000


class FxoSeizeError(RuntimeError):
    """Seizing the line failed; the message says why and what to check."""


class FxoPort:
    """One exchange line: events to the shared sink, G.711 frames through its PCM slot."""

    kind = PortKind.FXO

    def __init__(
        self,
        index: int,
        chip: Si3050,
        slot: PcmSlot,
        interrupt: GpioLine | None,
        events: EventSink,
        settings: FxoSettings,
        timeslot: int,
    ) -> None:
        self.index = index
        self._chip = chip
        self._slot = slot
        self._interrupt = interrupt
        self.settings = settings
        self.timeslot = timeslot
        self._seized = False
        self._ringing = False
        # The last seizure found a ring in progress or being validated: the exchange takes
        # going off-hook as answering it, so the line carries that caller, not dial tone.
        self._seized_while_ringing = False
        self._health = Health.FAILED
        self._reason = "not started"
        self._chip_name = "absent"
        self.counters = {
            "rings": 0,
            "rejected_rings": 0,
            "polarity_reversals": 0,
            "loop_drops": 0,
            "line_lost": 0,
            "seize_failures": 0,
        }
        self._events = events
        self._task: aio.Task[None] | None = None
        self._volts = 0.0
        self._loop_ma = 0.0
        self._next_supervision_ms = 0
        self._ring = RingValidator(
            RingValidationSettings(
                validate_ms=settings.ring_validate_ms, off_debounce_ms=settings.ring_off_debounce_ms
            )
        )
        self._supervisor = LineSupervisor(
            SupervisionSettings(
                no_line_alarm_ms=settings.no_line_alarm_ms,
                polarity_debounce_ms=settings.polarity_debounce_ms,
                loop_drop_ma=settings.loop_drop_ma,
                disconnect_loop_drop_ms=settings.disconnect_loop_drop_ms,
                seize_guard_ms=settings.seize_guard_ms,
            )
        )

    # What the engine reads; the port alone changes it.
    @property
    def law(self) -> str:
        return self.settings.law

    @property
    def seized(self) -> bool:
        return self._seized

    @property
    def ringing(self) -> bool:
        return self._ringing

    @property
    def seized_while_ringing(self) -> bool:
        """The last seizure found a ring in progress or being validated: the exchange takes
        going off-hook as answering it, so the line carries that caller, not dial tone."""
        return self._seized_while_ringing

    @property
    def health(self) -> Health:
        return self._health

    @property
    def reason(self) -> str:
        return self._reason

    # Life cycle.
    async def start(self) -> None:
        """Detect and initialise the DAA; on a fault the port goes FAILED instead of raising."""
        settings = self.settings
        start_count = TIMESLOT_BITS * self.timeslot + settings.pcm_start_count_offset
        try:
            termination = load_termination(settings.termination)
            low, high = termination.ring_frequency_hz
            self._ring.settings = RingValidationSettings(
                min_frequency_hz=low,
                max_frequency_hz=high,
                validate_ms=settings.ring_validate_ms,
                off_debounce_ms=settings.ring_off_debounce_ms,
            )
            identity = await self._chip.initialise(
                termination,
                law=settings.law,
                tx_start_count=start_count,
                rx_start_count=start_count,
                on_hook_monitor=settings.on_hook_monitor,
                tx_gain_db=settings.tx_gain_db,
                rx_gain_db=settings.rx_gain_db,
                interrupts=PORT_INTERRUPTS,
            )
        except (Si3050Error, ValueError) as error:
            if self._chip.identity is not None:
                self._chip_name = str(self._chip.identity)
            self._fail(str(error))
            return
        self._chip_name = str(identity)
        self._health, self._reason = Health.OK, ""
        log.info("FXO port %d: %s, termination %s", self.index, identity, termination.name)
        self._supervise(aio.ticks_ms())
        self._task = aio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(aio.CancelledError):
                await self._task
            self._task = None
        if self._health is not Health.FAILED:
            self._chip.set_hook(False)
            self._chip.enable_interrupts(Interrupt(0))
        self._seized = self._ringing = False

    def status(self) -> PortStatus:
        state = "seized" if self._seized else "ringing" if self._ringing else "idle"
        counters = dict(self.counters)
        counters["pcm_underruns"] = self._slot.underruns
        counters["pcm_overruns"] = self._slot.overruns
        return PortStatus(
            index=self.index,
            kind=self.kind,
            chip=self._chip_name,
            health=self._health,
            reason=self._reason,
            state=state,
            measurements={
                "line_volts": self.line_volts(),
                "loop_current_ma": self.loop_current_ma(),
            },
            counters=counters,
        )

    # Line control.
    async def seize(self) -> None:
        """Go off-hook and wait for loop current; raises FxoSeizeError if none comes."""
        if self._health is Health.FAILED:
            raise FxoSeizeError(f"FXO port {self.index} is out of service: {self._reason}")
        if self._seized:
            return
        now = aio.ticks_ms()
        self._seized_while_ringing = self._ringing or self._ring.state is not RingState.IDLE
        self._ring.abandon()
        if self._ringing:
            self._ringing = False
            self._emit(EventKind.RING_STOP, now, "answered")
        self._chip.set_hook(True)
        self._seized = True
        self._supervisor.seize(now)
        while True:
            loop_ma = self._chip.loop_current_ma()
            waited_ms = aio.ticks_diff(aio.ticks_ms(), now)
            if loop_ma >= self.settings.loop_drop_ma:
                self._loop_ma = loop_ma
                self._supervisor.loop_established()
                log.info("FXO port %d seized: %.1f mA after %d ms", self.index, loop_ma, waited_ms)
                return
            if waited_ms >= self.settings.seize_timeout_ms:
                self.counters["seize_failures"] += 1
                await self.release()
                raise FxoSeizeError(
                    f"FXO port {self.index}: no loop current {waited_ms} ms after going off-hook "
                    f"({loop_ma:.1f} mA): check the exchange line is connected"
                )
            await aio.sleep_ms(SEIZE_POLL_MS)

    async def release(self) -> None:
        """Go back on-hook (and resume the on-hook line monitor if configured)."""
        if not self._seized:
            return
        self._chip.set_hook(False, on_hook_monitor=self.settings.on_hook_monitor)
        self._seized = False
        self._loop_ma = 0.0
        self._supervisor.release(aio.ticks_ms())

    def line_volts(self) -> float:
        if self._health is not Health.FAILED:
            self._volts = float(self._chip.line_voltage())
        return self._volts

    def loop_current_ma(self) -> float:
        if self._health is not Health.FAILED and self._seized:
            self._loop_ma = self._chip.loop_current_ma()
        return self._loop_ma if self._seized else 0.0

    # Audio.
    def receive_audio(self) -> bytes | None:
        return self._slot.receive()

    def send_audio(self, frame: bytes) -> None:
        self._slot.send(frame)

    # Supervision loop.
    async def _run(self) -> None:
        try:
            while True:
                interval_ms = self._poll_interval_ms(aio.ticks_ms())
                if self._interrupt is not None and self._ring.state is RingState.IDLE:
                    await self._interrupt.wait_for_edge(Edge.FALLING, timeout_ms=interval_ms)
                else:  # sampling a ring anyway: a plain timer is cheaper than edge waits
                    await aio.sleep_ms(interval_ms)
                self._service(aio.ticks_ms())
                if self._health is Health.FAILED:
                    return
        except Si3050Error as error:
            self._fail(str(error))
        except Exception as error:  # a bug must not silently stop supervising the line
            log.exception("FXO port %d supervision stopped", self.index)
            self._fail(f"internal error in line supervision: {error}")

    def _poll_interval_ms(self, now: int) -> int:
        ring_ms = self._ring.poll_interval_ms
        if ring_ms is not None:
            return ring_ms
        if self._supervisor.debouncing:
            return FAST_POLL_MS
        until_supervision = aio.ticks_diff(self._next_supervision_ms, now)
        if self._interrupt is None:
            until_supervision = min(NO_INTERRUPT_POLL_MS, until_supervision)
        return max(SUPERVISION_SLACK_MS, until_supervision)

    def _service(self, now: int) -> None:
        sources = 0  # plain int: this runs every few ms while a ring is sampled
        if self._interrupt is None or not self._interrupt.read():  # INT is active low
            sources = int(self._chip.interrupt_sources())
            if sources:
                self._chip.clear_interrupts(Interrupt(sources))
        if sources & FRAME_LOSS and not self._chip.line_side_up():
            self._fail(LINK_LOST_REASON)
            return
        if not self._seized:
            if sources & RING:
                self._ring.trigger(now)
            if self._ring.state is not RingState.IDLE:
                positive, negative = self._chip.ring_detector()
                verdict = self._ring.feed(now, positive, negative)
                if verdict is not None:
                    self._on_ring_verdict(verdict)
        due = aio.ticks_diff(now, self._next_supervision_ms) > -SUPERVISION_SLACK_MS
        if due or sources & POLARITY or self._supervisor.debouncing:
            self._supervise(now)

    def _supervise(self, now: int) -> None:
        self._volts = float(self._chip.line_voltage())
        if self._seized:
            self._loop_ma = self._chip.loop_current_ma()
        for event in self._supervisor.sample(now, self._volts, self._loop_ma):
            self._on_line_event(event)
        self._next_supervision_ms = aio.ticks_add(now, self.settings.supervision_interval_ms)

    def _on_ring_verdict(self, verdict: RingVerdict) -> None:
        if verdict.kind == "start":
            self._ringing = True
            self.counters["rings"] += 1
            self._emit(EventKind.RING_START, verdict.at_ms, f"{verdict.frequency_hz:.1f} Hz")
        elif verdict.kind == "stop":
            self._ringing = False
            self._emit(EventKind.RING_STOP, verdict.at_ms)
        else:
            self.counters["rejected_rings"] += 1
            log.debug("FXO port %d: ring detector trip rejected: %s", self.index, verdict.reason)

    def _on_line_event(self, event: LineEvent) -> None:
        if event.kind is EventKind.LINE_LOST:
            self.counters["line_lost"] += 1
            self._health, self._reason = Health.ALARM, NO_LINE_REASON
            log.warning("FXO port %d: %s", self.index, NO_LINE_REASON)
        elif event.kind is EventKind.LINE_RESTORED:
            self._health, self._reason = Health.OK, ""
            log.info("FXO port %d: line voltage restored", self.index)
        elif event.kind is EventKind.POLARITY:
            self.counters["polarity_reversals"] += 1
        elif event.kind is EventKind.LOOP_DROP:
            self.counters["loop_drops"] += 1
        self._emit(event.kind, event.at_ms, event.detail)

    def _fail(self, reason: str) -> None:
        self._health, self._reason = Health.FAILED, reason
        self._seized = self._ringing = False
        log.error("FXO port %d failed: %s", self.index, reason)
        self._emit(EventKind.FAILED, aio.ticks_ms(), reason)

    def _emit(self, kind: EventKind, at_ms: int, detail: str = "") -> None:
        self._events(PortEvent(self.index, kind, at_ms, detail=detail))
