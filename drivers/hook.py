"""Hook-switch decoding for an FXS port: debounce, hook flash and pulse (rotary) digits.

Pure logic on timestamped samples of the raw hook switch, so it can be tested alone and
driven from any source (interrupts, polling). Times are `aio.ticks_ms()` values and are
compared with `aio.ticks_diff`, so they may wrap.

1. Debounce: a raw state becomes the stable state once it has lasted `debounce_ms`; the
   stable transition is dated at the raw edge that started it, so durations are exact.
2. Off-hook from idle gives OFF_HOOK at once (dated at the edge).
3. While off-hook, each on-hook interval ("break") is classified when the phone comes back:
   a break inside `pulse_break_ms` is one dial pulse; inside `flash_ms` a FLASH; anything
   else is ignored. A break still going on after the flash window's upper end is a
   hang-up: ON_HOOK, dated when the break began.
4. Pulses gather into a digit while the makes between them stay inside `pulse_make_ms`; the
   digit is complete (PULSE_DIGIT, 10 pulses = "0") when the line has stayed off-hook for
   `interdigit_ms`, or as soon as a make longer than the make window shows the next digit
   has begun. A make shorter than the window spoils the train: nothing is reported for it
   rather than a wrong digit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aio import ticks_add, ticks_diff
from drivers.ports import EventKind

log = logging.getLogger(__name__)

PULSES_FOR_ZERO = 10


@dataclass(frozen=True)
class HookTimings:
    """Hook timing rules of a country profile, all in milliseconds."""

    debounce_ms: int = 12
    pulse_break_ms: tuple[int, int] = (20, 90)
    pulse_make_ms: tuple[int, int] = (20, 90)
    interdigit_ms: int = 300
    flash_ms: tuple[int, int] = (100, 800)

    def __post_init__(self) -> None:
        if self.debounce_ms < 1:
            raise ValueError("debounce_ms must be at least 1 ms")
        for name in ("pulse_break_ms", "pulse_make_ms", "flash_ms"):
            low, high = getattr(self, name)
            if not 0 < low <= high:
                raise ValueError(f"{name} must be (shortest, longest) with 0 < shortest ≤ longest")
        if self.pulse_break_ms[1] >= self.flash_ms[0]:
            raise ValueError("flash_ms must start above the longest pulse break")
        if self.interdigit_ms <= self.pulse_make_ms[1]:
            raise ValueError("interdigit_ms must be longer than the longest pulse make")


@dataclass(frozen=True)
class HookEvent:
    kind: EventKind  # OFF_HOOK, ON_HOOK, FLASH or PULSE_DIGIT
    at_ms: int
    digit: str | None = None


class HookDecoder:
    """Turns raw hook samples into OFF_HOOK, ON_HOOK, FLASH and PULSE_DIGIT events."""

    def __init__(self, timings: HookTimings, *, off_hook: bool = False, now_ms: int = 0) -> None:
        self.timings = timings
        self.reset(off_hook, now_ms)

    def reset(self, off_hook: bool, now_ms: int) -> None:
        """Forget history: the line is (and the engine knows it is) in this state now."""
        self._raw = self._stable = off_hook
        self._raw_since = self._stable_since = now_ms
        self.off_hook = off_hook  # as reported to the engine
        self._break_start: int | None = None
        self._pulses = 0
        self._make_start = now_ms
        self._spoiled = False

    # --- inputs ---------------------------------------------------------------------
    def update(self, off_hook: bool, now_ms: int) -> list[HookEvent]:
        """One raw sample of the hook switch (unchanged samples are fine)."""
        events = self.poll(now_ms)
        if off_hook != self._raw:
            self._raw = off_hook
            self._raw_since = now_ms
        return events + self.poll(now_ms)

    def poll(self, now_ms: int) -> list[HookEvent]:
        """Let time pass: settle the debounce and fire the timeouts due by `now_ms`."""
        events: list[HookEvent] = []
        debounce = self.timings.debounce_ms
        if self._raw != self._stable and ticks_diff(now_ms, self._raw_since) >= debounce:
            # Timeouts that fell before the edge happened first.
            events += self._timeouts(self._raw_since)
            self._stable = self._raw
            self._stable_since = self._raw_since
            events += self._stable_change(self._raw_since)
        horizon = self._raw_since if self._raw != self._stable else now_ms
        events += self._timeouts(horizon)
        return events

    def next_deadline_ms(self) -> int | None:
        """When `poll` next has something to decide (ticks), or None if nothing is pending."""
        deadlines = []
        if self._raw != self._stable:
            deadlines.append(ticks_add(self._raw_since, self.timings.debounce_ms))
        else:
            deadline = self._timeout_deadline()
            if deadline is not None:
                deadlines.append(deadline)
        if not deadlines:
            return None
        return deadlines[0]

    # --- the state machine ------------------------------------------------------------
    def _timeout_deadline(self) -> int | None:
        if not self.off_hook:
            return None
        if not self._stable and self._break_start is not None:
            return ticks_add(self._break_start, self.timings.flash_ms[1] + 1)
        if self._stable and (self._pulses or self._spoiled):
            return ticks_add(self._make_start, self.timings.interdigit_ms)
        return None

    def _timeouts(self, now_ms: int) -> list[HookEvent]:
        deadline = self._timeout_deadline()
        if deadline is None or ticks_diff(now_ms, deadline) < 0:
            return []
        if not self._stable:  # the break outlasted a flash: hang-up
            assert self._break_start is not None
            at = self._break_start
            if self._pulses:
                log.info("hang-up during a pulse digit: %d pulses dropped", self._pulses)
            self.off_hook = False
            self._break_start = None
            self._pulses = 0
            self._spoiled = False
            return [HookEvent(EventKind.ON_HOOK, at)]
        return self._finish_digit()

    def _finish_digit(self) -> list[HookEvent]:
        pulses, spoiled = self._pulses, self._spoiled
        self._pulses = 0
        self._spoiled = False
        if spoiled or not pulses:
            if spoiled:
                log.info("malformed pulse train ignored")
            return []
        if pulses > PULSES_FOR_ZERO:
            log.info("pulse train of %d pulses ignored", pulses)
            return []
        digit = "0" if pulses == PULSES_FOR_ZERO else str(pulses)
        return [HookEvent(EventKind.PULSE_DIGIT, self._make_start, digit)]

    def _stable_change(self, at: int) -> list[HookEvent]:
        timings = self.timings
        if self._stable:  # off-hook
            if not self.off_hook:
                self.off_hook = True
                self._break_start = None
                self._pulses = 0
                self._spoiled = False
                self._make_start = at
                return [HookEvent(EventKind.OFF_HOOK, at)]
            if self._break_start is None:
                return []
            duration = ticks_diff(at, self._break_start)
            self._break_start = None
            low, high = timings.pulse_break_ms
            if low <= duration <= high:
                if not self._spoiled:
                    self._pulses += 1
                self._make_start = at
                return []
            events = self._finish_digit()
            self._make_start = at
            if timings.flash_ms[0] <= duration <= timings.flash_ms[1]:
                events.append(HookEvent(EventKind.FLASH, at))
            elif duration < low:
                log.debug("hook break of %d ms too short for a pulse: ignored", duration)
            else:
                log.info("hook break of %d ms is neither a pulse nor a flash: ignored", duration)
            return events
        # On-hook while off-hook: a break begins.
        if not self.off_hook:
            return []
        events = []
        if self._pulses or self._spoiled:
            make = ticks_diff(at, self._make_start)
            if make > timings.pulse_make_ms[1]:
                events = self._finish_digit()
            elif make < timings.pulse_make_ms[0]:
                self._spoiled = True
        self._break_start = at
        return events
