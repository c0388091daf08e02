"""FXS port: an analog phone on an Si3215 ProSLIC, as the engine sees it.

`FxsPort` brings the chip up (a chip fault leaves the port FAILED with the chip's readable
reason, never an exception), supervises the hook switch from the chip's INT line (with a
slow safety poll, or a fast poll when the hat has no INT line for this chip) and reports
debounced OFF_HOOK / ON_HOOK, FLASH and PULSE_DIGIT events decoded by `drivers.hook`. It
rings with a software cadence and plays caller-ID audio on-hook (`drivers.fxs_ringing`),
stops ringing by itself when the phone is answered, keeps the line in on-hook transmission
for a while after ringing, and recovers from power alarms: it restores the linefeed a
bounded number of times (ALARM, then ALARM_CLEARED) and re-initialises a chip that reset
itself; when it gives up it reports FAILED.
"""

from __future__ import annotations

import logging
from collections.abc import Coroutine, Sequence
from typing import Any

import numpy as np

import aio
from drivers import si3215_regs as r
from drivers.frames import FRAME_SAMPLES
from drivers.fxs_linefeed import FxsLinefeed
from drivers.fxs_ringing import RingLine, RingPlan, caller_id_frames, play_frames, run_ring_plan
from drivers.fxs_settings import FxsSettings
from drivers.hal.interfaces import Edge, GpioLine
from drivers.hook import HookDecoder, HookEvent
from drivers.pcm import PcmSlot
from drivers.ports import EventKind, EventSink, Health, PortEvent, PortKind, PortStatus
from drivers.si3215 import ProslicConfig, Si3215, Si3215Error

__all__ = ["FxsPort", "FxsSettings"]

log = logging.getLogger(__name__)

SAFETY_POLL_MS = 100  # with an INT line: check the chip this often even without interrupts
POLL_WITHOUT_INTERRUPT_MS = 5  # without one: fast enough to time dial pulses

LF = r.LinefeedState


class FxsPort:
    """One FXS port (see the module docstring); constructor per drivers_common §4."""

    kind = PortKind.FXS

    def __init__(
        self,
        index: int,
        chip: Si3215,
        slot: PcmSlot,
        interrupt: GpioLine | None,
        events: EventSink,
        settings: FxsSettings,
        timeslot: int,
    ) -> None:
        self.index = index
        self.settings = settings
        self.timeslot = timeslot
        self._chip = chip
        self._slot = slot
        self._interrupt = interrupt
        self._events = events
        self._decoder = HookDecoder(settings.hook_timings)
        self._health = Health.FAILED
        self._reason = "not started"
        self._line = FxsLinefeed(chip, settings)
        self._tasks: set[aio.Task[Any]] = set()
        self._supervisor: aio.Task[None] | None = None
        self._ring_task: aio.Task[Any] | None = None
        self._ringing = False
        self._caller_id_playing = False
        self._alarms = 0.0
        self._alarms_at = 0.0
        self.counters = {
            "interrupts": 0,
            "power_alarms": 0,
            "reinitialisations": 0,
            "flashes": 0,
            "pulse_digits": 0,
            "rings": 0,
            "caller_ids": 0,
        }

    # --- properties the engine reads ------------------------------------------------
    @property
    def law(self) -> str:
        return self.settings.law

    @property
    def off_hook(self) -> bool:
        """The debounced hook state, as last reported in events."""
        return self._decoder.off_hook

    @property
    def ringing(self) -> bool:
        return self._ringing

    @property
    def health(self) -> Health:
        return self._health

    @property
    def reason(self) -> str:
        return self._reason

    # --- lifecycle --------------------------------------------------------------------
    async def start(self) -> None:
        """Detect and initialise the chip; on a chip fault the port is FAILED, not raised.

        The chip must come out of a reset (the hat pulses RESET before starting ports):
        detection checks its reset values.
        """
        settings = self.settings
        self._health, self._reason = Health.ALARM, "starting"
        try:
            self._chip.detect()
            await self._chip.initialise(self._proslic_config())
            self._chip.setup_pcm(settings.law, self.timeslot, settings.pcm_start_count_offset)
            self._chip.enable_interrupts()
            if not await self._line.apply_idle(off_hook=False):
                raise Si3215Error(
                    "the linefeed would not power up (power alarm at once): check the line "
                    "for a short circuit"
                )
        except Si3215Error as error:
            self._fail(f"port {self.index}: {error}")
            return
        self._health, self._reason = Health.OK, ""
        self._decoder.reset(False, aio.ticks_ms())
        log.info("FXS port %d up: %s, timeslot %d", self.index, self._chip.info, self.timeslot)
        self._supervisor = aio.create_task(self._supervise())

    async def stop(self) -> None:
        """Stop supervision and ringing and open the loop."""
        self._cancel_ringing()
        tasks = [*self._tasks, *([self._supervisor] if self._supervisor else [])]
        for task in tasks:
            task.cancel()
        if tasks:
            await aio.gather(*tasks, return_exceptions=True)
        self._supervisor = None
        self._line.open()

    def _proslic_config(self) -> ProslicConfig:
        return ProslicConfig(
            ring_frequency_hz=self.settings.ring_frequency_hz,
            ring_amplitude_vpk=self.settings.ring_amplitude_vpk,
            loop_current_ma=self.settings.loop_current_ma,
        )

    # --- engine commands --------------------------------------------------------------
    def ring(
        self,
        cadence_ms: Sequence[int],
        caller_id: np.ndarray | None = None,
        caller_id_timing: str = "after_first_ring",
        caller_id_delay_ms: int = 500,
        alert: str = "none",
    ) -> None:
        """Start ringing with `cadence_ms`, sending `caller_id` samples on-hook; returns now."""
        frames = caller_id_frames(caller_id, self.law) if caller_id is not None else ()
        plan = RingPlan(tuple(cadence_ms), frames, caller_id_timing, caller_id_delay_ms, alert)
        if self._health is Health.FAILED:
            log.warning("FXS port %d is out of service; not ringing", self.index)
            return
        if self.off_hook:
            log.warning("FXS port %d is off-hook; not ringing", self.index)
            return
        self._cancel_ringing()
        self._ringing = True
        self.counters["rings"] += 1
        self._ring_task = self._spawn(self._ring(plan))

    def stop_ringing(self) -> None:
        """Stop ringing; the line stays in on-hook transmission for a while."""
        if not self._ringing:
            return
        self._cancel_ringing()
        self._line.start_on_hook_transmission()
        self._spawn(self._apply_idle())

    def set_polarity(self, reversed: bool) -> None:
        """Reverse (or restore) the feed polarity; applies at once unless ringing."""
        self._line.reversed = reversed
        self._spawn(self._apply_idle())

    def set_message_waiting(self, on: bool) -> None:
        """Drive the message-waiting indication chosen in `settings.message_waiting`."""
        self._line.message_waiting = on
        self._spawn(self._apply_idle())

    def send_on_hook_data(self, samples: np.ndarray, *, delay_ms: int = 500) -> bool:
        """Send data audio (a message-waiting indication) to the idle phone without ringing
        it: on-hook transmission, a pause, then the samples. False when the phone is
        off-hook, ringing, already receiving data or the port is out of service."""
        busy = self.off_hook or self._ringing or self._caller_id_playing
        if busy or self._health is Health.FAILED:
            return False
        self._caller_id_playing = True  # the line's audio belongs to the data from now
        self._spawn(self._send_on_hook_data(caller_id_frames(samples, self.law), delay_ms))
        return True

    async def _send_on_hook_data(self, frames: Sequence[bytes], delay_ms: int) -> None:
        try:
            self._line.start_on_hook_transmission()
            await self._apply_idle()
            await aio.sleep_ms(delay_ms)
            await self._play_caller_id(frames)
        finally:
            self._caller_id_playing = False

    def receive_audio(self) -> bytes | None:
        return self._slot.receive()

    def send_audio(self, frame: bytes) -> None:
        """Queue a frame for the phone; dropped while caller ID owns the line's audio."""
        if self._caller_id_playing:
            if len(frame) != FRAME_SAMPLES:
                raise ValueError(f"a PCM frame is {FRAME_SAMPLES} bytes, got {len(frame)}")
            return
        self._slot.send(frame)

    # --- status -------------------------------------------------------------------------
    def status(self) -> PortStatus:
        chip = str(self._chip.info) if self._chip.info else "absent"
        measurements: dict[str, float] = {}
        if self._chip.info is not None and self._health is not Health.FAILED:
            values = self._chip.measurements()
            measurements = {
                "battery_v": round(values.battery_volts, 1),
                "tip_v": round(values.tip_volts, 1),
                "ring_v": round(values.ring_volts, 1),
                "loop_v": round(values.loop_volts, 1),
                "loop_current_ma": round(values.loop_current_ma, 1),
            }
        if self.off_hook:
            state = "off_hook"
        elif self._ringing:
            state = "ringing"
        else:
            state = "idle"
        counters = dict(self.counters)
        counters["linefeed_retries"] = self._chip.linefeed_retries
        counters["pcm_underruns"] = self._slot.underruns
        counters["pcm_overruns"] = self._slot.overruns
        return PortStatus(
            index=self.index,
            kind=PortKind.FXS,
            chip=chip,
            health=self._health,
            reason=self._reason,
            state=state,
            measurements=measurements,
            counters=counters,
        )

    # --- supervision ---------------------------------------------------------------------
    async def _supervise(self) -> None:
        while self._health is not Health.FAILED:
            timeout_ms = self._wait_budget_ms()
            if self._interrupt is not None:
                if await self._interrupt.wait_for_edge(Edge.FALLING, timeout_ms=timeout_ms):
                    self.counters["interrupts"] += 1
            else:
                await aio.sleep_ms(min(timeout_ms, POLL_WITHOUT_INTERRUPT_MS))
            try:
                await self._service()
            except Si3215Error as error:
                self._fail(f"port {self.index}: {error}")

    def _wait_budget_ms(self) -> int:
        now = aio.ticks_ms()
        budget = SAFETY_POLL_MS
        for deadline in (self._decoder.next_deadline_ms(), self._line.oht_until_ms):
            if deadline is not None:
                budget = min(budget, max(1, aio.ticks_diff(deadline, now)))
        return budget

    async def _service(self) -> None:
        """Read and clear interrupts, check the linefeed, feed the hook decoder."""
        status = self._chip.read_interrupts()
        if status.power_alarm or self._line.dropped():
            await self._power_alarm(status.power_alarm)
            if self._health is Health.FAILED:
                return
        closed, tripped = self._chip.loop_status()
        now = aio.ticks_ms()
        if tripped and self._ringing:
            self._cancel_ringing()  # the chip has already switched itself to active
            self._line.target = LF.FORWARD_ACTIVE
        for event in self._decoder.update(closed or tripped, now):
            await self._hook_event(event)
        if self._line.on_hook_transmission_over(now):
            await self._apply_idle()

    async def _hook_event(self, event: HookEvent) -> None:
        kind = event.kind
        if kind is EventKind.OFF_HOOK:
            self._cancel_ringing()
            self._line.oht_until_ms = None
            await self._apply_idle()
        elif kind is EventKind.ON_HOOK:
            await self._apply_idle()
        elif kind is EventKind.FLASH:
            self.counters["flashes"] += 1
        elif kind is EventKind.PULSE_DIGIT:
            self.counters["pulse_digits"] += 1
        self._emit(kind, event.at_ms, digit=event.digit)

    # --- power alarms -------------------------------------------------------------------
    async def _power_alarm(self, transistors: int) -> None:
        self.counters["power_alarms"] += 1
        if self._chip.was_reset():
            await self._reinitialise()
            return
        now_s = aio.monotonic()
        forgiven = (now_s - self._alarms_at) / self.settings.power_alarm_forgive_s
        self._alarms = max(0.0, self._alarms - forgiven) + 1
        self._alarms_at = now_s
        which = ", ".join(f"Q{bit + 1}" for bit in range(6) if transistors >> bit & 1)
        where = f" on {which}" if which else ""
        if self._alarms > self.settings.max_power_alarms:
            self._fail(
                f"port {self.index}: power alarm{where} tripped {self.counters['power_alarms']} "
                "times; giving up: check the line for a short circuit or too many ringers"
            )
            return
        reason = f"power alarm{where}: linefeed restored"
        self._health, self._reason = Health.ALARM, reason
        self._emit(EventKind.ALARM, aio.ticks_ms(), detail=reason)
        if self._ringing:  # back to the silent state; the cadence rings again on time
            restored = await self._line.silence()
        else:
            restored = await self._apply_idle()
        if restored:
            self._health, self._reason = Health.OK, ""
            self._emit(EventKind.ALARM_CLEARED, aio.ticks_ms(), detail="linefeed restored")

    async def _reinitialise(self) -> None:
        reason = "the ProSLIC reset itself (supply dip?); re-initialising"
        self.counters["reinitialisations"] += 1
        self._health, self._reason = Health.ALARM, reason
        self._emit(EventKind.ALARM, aio.ticks_ms(), detail=reason)
        self._cancel_ringing()
        settings = self.settings
        try:
            async with self._line.lock:
                self._line.target = LF.OPEN
                await self._chip.initialise(self._proslic_config(), fast=True)
                self._chip.setup_pcm(settings.law, self.timeslot, settings.pcm_start_count_offset)
                self._chip.enable_interrupts()
        except Si3215Error as error:
            self._fail(f"port {self.index}: re-initialisation failed: {error}")
            return
        await self._apply_idle()
        self._health, self._reason = Health.OK, ""
        self._emit(EventKind.ALARM_CLEARED, aio.ticks_ms(), detail="ProSLIC re-initialised")

    def _fail(self, reason: str) -> None:
        log.error("%s", reason)
        self._cancel_ringing()
        if self._health is not Health.FAILED:
            self._health, self._reason = Health.FAILED, reason
            self._emit(EventKind.FAILED, aio.ticks_ms(), detail=reason)
        self._line.open()

    # --- ringing -------------------------------------------------------------------------
    async def _ring(self, plan: RingPlan) -> None:
        await self._line.prepare_ringing()
        line = RingLine(self._line.ring, self._line.silence, self._play_caller_id)
        try:
            await run_ring_plan(plan, line)
        finally:
            self._caller_id_playing = False

    async def _apply_idle(self) -> bool:
        """Idle line state unless ringing owns the line or the port is out of service."""
        if self._ringing or self._health is Health.FAILED:
            return True
        return await self._line.apply_idle(self.off_hook)

    async def _play_caller_id(self, frames: Sequence[bytes]) -> None:
        self._caller_id_playing = True
        self.counters["caller_ids"] += 1
        try:
            await play_frames(self._slot, frames)
        finally:
            self._caller_id_playing = False

    def _cancel_ringing(self) -> None:
        task, self._ring_task = self._ring_task, None
        if task is not None and not task.done():
            task.cancel()
        self._ringing = False
        self._caller_id_playing = False

    # --- plumbing ---------------------------------------------------------------------
    def _spawn(self, coroutine: Coroutine[Any, Any, Any]) -> aio.Task[Any]:
        task = aio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: aio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            error = task.exception()
            if isinstance(error, Si3215Error):
                self._fail(f"port {self.index}: {error}")
            else:
                log.error("FXS port %d task failed", self.index, exc_info=error)

    def _emit(
        self, kind: EventKind, at_ms: int, *, digit: str | None = None, detail: str = ""
    ) -> None:
        event = PortEvent(port=self.index, kind=kind, at_ms=at_ms, digit=digit, detail=detail)
        try:
            self._events(event)
        except Exception:
            log.exception("FXS port %d: the event sink failed on %s", self.index, kind.name)
