"""Line supervision for an FXO port: battery, polarity and loop current, debounced in time.

Fed with the DAA's line-voltage and loop-current readings and their timestamps, it decides
when the exchange line has been lost (no battery while on-hook) or restored, when the line
polarity has really reversed (answer/hang-up supervision off-hook, ETSI caller-ID alert
on-hook) and when loop current has dropped long enough to mean a far-end disconnect.
Events carry the moment the condition began, not the moment the debounce confirmed it.
"""

from __future__ import annotations

from dataclasses import dataclass

import aio
from drivers.ports import EventKind

FAST_POLL_MS = 20  # sampling while a polarity or loop-current change is being debounced


@dataclass(frozen=True)
class SupervisionSettings:
    no_line_volts: float = 3.0  # |tip-ring| below this means no battery on the line
    no_line_alarm_ms: int = 1000
    line_restore_ms: int = 200
    polarity_debounce_ms: int = 100  # longer than a polarity blip, shorter than any signal
    loop_drop_ma: float = 5.0  # below the 10 mA minimum any exchange feeds a seized line
    disconnect_loop_drop_ms: int = 300
    # Loop current rises after seizure: until it is first seen, or this long has passed, its
    # absence is not a disconnect. Once seen, a drop counts at once, so a caller who hangs
    # up just as the line is answered is not missed.
    seize_guard_ms: int = 500


@dataclass(frozen=True)
class LineEvent:
    kind: EventKind
    at_ms: int
    detail: str = ""


class LineSupervisor:
    def __init__(self, settings: SupervisionSettings | None = None) -> None:
        self.settings = settings or SupervisionSettings()
        self.line_lost = False
        self.polarity = 0  # +1 normal, -1 reversed, 0 not yet known
        self.seized = False
        self._seized_at = 0
        self._low_since: int | None = None
        self._restore_since: int | None = None
        self._reversal_since: int | None = None
        self._drop_since: int | None = None
        self._drop_reported = False
        self._loop_seen = False

    @property
    def debouncing(self) -> bool:
        """A polarity or loop-current change is pending: sample faster."""
        return self._reversal_since is not None or (
            self._drop_since is not None and not self._drop_reported
        )

    def seize(self, now_ms: int) -> None:
        self.seized = True
        self._seized_at = now_ms
        self._loop_seen = False
        self._low_since = self._restore_since = None
        self._drop_since = None
        self._drop_reported = False

    def loop_established(self) -> None:
        """The seizure saw loop current flow: from now on its absence is a drop."""
        self._loop_seen = True

    def release(self, now_ms: int) -> None:
        self.seized = False
        self._drop_since = None
        self._drop_reported = False

    def sample(self, now_ms: int, volts: float, loop_ma: float = 0.0) -> list[LineEvent]:
        """One reading of line voltage (and loop current while seized); events it confirms."""
        events: list[LineEvent] = []
        has_battery = abs(volts) >= self.settings.no_line_volts
        self._check_polarity(now_ms, volts, has_battery, events)
        if self.seized:
            self._check_loop(now_ms, loop_ma, events)
        else:
            self._check_battery(now_ms, has_battery, events)
        return events

    def _check_polarity(
        self, now_ms: int, volts: float, has_battery: bool, events: list[LineEvent]
    ) -> None:
        if not has_battery:
            self._reversal_since = None  # a dead line has no polarity to reverse
            return
        sign = 1 if volts > 0 else -1
        if self.polarity == 0 or sign == self.polarity:
            self.polarity = sign
            self._reversal_since = None
            return
        if self._reversal_since is None:
            self._reversal_since = now_ms
        elif aio.ticks_diff(now_ms, self._reversal_since) >= self.settings.polarity_debounce_ms:
            self.polarity = sign
            hook = "off-hook" if self.seized else "on-hook"
            detail = f"{'reversed' if sign < 0 else 'normal'} polarity ({hook})"
            events.append(LineEvent(EventKind.POLARITY, self._reversal_since, detail))
            self._reversal_since = None

    def _check_battery(self, now_ms: int, has_battery: bool, events: list[LineEvent]) -> None:
        settings = self.settings
        if not has_battery:
            self._restore_since = None
            if self.line_lost:
                return
            if self._low_since is None:
                self._low_since = now_ms
            elif aio.ticks_diff(now_ms, self._low_since) >= settings.no_line_alarm_ms:
                self.line_lost = True
                detail = f"no line voltage for {aio.ticks_diff(now_ms, self._low_since)} ms"
                events.append(LineEvent(EventKind.LINE_LOST, self._low_since, detail))
            return
        self._low_since = None
        if not self.line_lost:
            return
        if self._restore_since is None:
            self._restore_since = now_ms
        elif aio.ticks_diff(now_ms, self._restore_since) >= settings.line_restore_ms:
            self.line_lost = False
            events.append(LineEvent(EventKind.LINE_RESTORED, self._restore_since))
            self._restore_since = None

    def _check_loop(self, now_ms: int, loop_ma: float, events: list[LineEvent]) -> None:
        settings = self.settings
        settling = aio.ticks_diff(now_ms, self._seized_at) < settings.seize_guard_ms
        if settling and not self._loop_seen and loop_ma < settings.loop_drop_ma:
            return
        if loop_ma >= settings.loop_drop_ma:
            self._loop_seen = True
            self._drop_since = None
            self._drop_reported = False
            return
        if self._drop_since is None:
            self._drop_since = now_ms
        elif (
            not self._drop_reported
            and aio.ticks_diff(now_ms, self._drop_since) >= settings.disconnect_loop_drop_ms
        ):
            self._drop_reported = True
            detail = (
                f"loop current {loop_ma:.1f} mA for {aio.ticks_diff(now_ms, self._drop_since)} ms"
            )
            events.append(LineEvent(EventKind.LOOP_DROP, self._drop_since, detail))
