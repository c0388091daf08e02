"""The analog side of the simulated hat: the wires between emulated chips and the world.

An emulated SLIC drives an `FxsLoop`; the virtual phone plugged into it reads the loop's
feed and ring voltage and closes the loop when it goes off-hook. An emulated DAA sits on a
`TelephoneLine`; the virtual exchange behind it sets battery, polarity and ringing, and the
DAA draws loop current when it goes off-hook.

Audio crosses these boundaries as int16 samples at 8 kHz (the linear scale of G.711), pulled
once per PCM block by the emulated chip: the chip asks its peer for the samples it captures
and hands it the samples it plays. State changes carry the virtual time they happened at,
so emulated registers can be computed for the moment they are read.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

import numpy as np

from drivers.frames import SAMPLE_RATE_HZ

SAMPLE_RATE = SAMPLE_RATE_HZ
Samples = np.ndarray  # int16, mono, 8 kHz
AudioSource = Callable[[int], Samples]  # asked for n samples, returns n int16 samples
AudioSink = Callable[[Samples], None]


def silence(count: int) -> Samples:
    return np.zeros(count, dtype=np.int16)


class Linefeed(Enum):
    """Linefeed states of a SLIC (Si3215 register 64 values)."""

    OPEN = 0
    FORWARD_ACTIVE = 1
    FORWARD_ON_HOOK_TRANSMISSION = 2
    TIP_OPEN = 3
    RINGING = 4
    REVERSE_ACTIVE = 5
    REVERSE_ON_HOOK_TRANSMISSION = 6
    RING_OPEN = 7

    @property
    def powered(self) -> bool:
        """Whether the loop has battery for a phone to draw current from."""
        return self not in (Linefeed.OPEN, Linefeed.TIP_OPEN, Linefeed.RING_OPEN)

    @property
    def reversed(self) -> bool:
        return self in (Linefeed.REVERSE_ACTIVE, Linefeed.REVERSE_ON_HOOK_TRANSMISSION)

    @property
    def carries_audio_on_hook(self) -> bool:
        return self in (
            Linefeed.FORWARD_ON_HOOK_TRANSMISSION,
            Linefeed.REVERSE_ON_HOOK_TRANSMISSION,
        )


LoopListener = Callable[["FxsLoop", float], None]  # (loop, virtual time in s)


@dataclass
class FxsLoop:
    """The tip/ring pair between an emulated SLIC and the phone plugged into it."""

    # Set by the phone.
    off_hook: bool = False
    phone_source: AudioSource = silence  # mouthpiece: what the SLIC captures
    phone_sink: AudioSink | None = None  # earpiece/caller-ID display: what the SLIC plays
    # Set by the SLIC (emulator).
    linefeed: Linefeed = Linefeed.OPEN
    ring_frequency_hz: float = 20.0
    ring_amplitude_vpk: float = 0.0
    battery_volts: float = 0.0
    message_waiting_lamp: bool = False
    changed_at: float = 0.0
    _listeners: list[LoopListener] = field(default_factory=list, repr=False)

    def on_change(self, listener: LoopListener) -> None:
        """Call `listener` whenever either side changes the loop's DC state."""
        self._listeners.append(listener)

    def notify(self, now: float) -> None:
        self.changed_at = now
        for listener in list(self._listeners):
            listener(self, now)

    def set_hook(self, off_hook: bool, now: float) -> None:
        """The phone's hook switch (or its pulse dial contacts)."""
        if off_hook != self.off_hook:
            self.off_hook = off_hook
            self.notify(now)

    def set_feed(self, linefeed: Linefeed, now: float) -> None:
        """The SLIC's linefeed state."""
        if linefeed != self.linefeed:
            self.linefeed = linefeed
            self.notify(now)

    @property
    def ringing(self) -> bool:
        """True while ring voltage is on the loop (the ringer sounds)."""
        return self.linefeed is Linefeed.RINGING and self.ring_amplitude_vpk > 0

    @property
    def loop_closed(self) -> bool:
        """Loop current flows: the phone is off-hook on a powered feed."""
        return self.off_hook and self.linefeed.powered


@dataclass
class TelephoneLine:
    """An exchange line as the DAA's line side sees it.

    The exchange side sets battery, polarity and ringing; `voltage_at` turns that state
    into the instantaneous tip-ring voltage the DAA samples, and `loop_current_ma` the
    current it draws once off-hook.
    """

    # Set by the exchange.
    battery_volts: float = 48.0  # open-circuit feed voltage; 0 means no line
    polarity: int = 1  # +1 normal, -1 reversed
    ringing: bool = False
    ring_frequency_hz: float = 25.0
    ring_vrms: float = 75.0
    ring_started_at: float = 0.0
    feed_resistance_ohms: float = 800.0  # exchange feed bridge plus the copper loop
    exchange_source: AudioSource = silence  # what the DAA captures from the line
    exchange_sink: AudioSink | None = None  # what the DAA sends into the line
    # Set by the DAA (emulator).
    off_hook: bool = False
    dc_resistance_ohms: float = 200.0  # the DAA's DC termination when off-hook
    changed_at: float = 0.0
    _listeners: list[Callable[[TelephoneLine, float], None]] = field(
        default_factory=list, repr=False
    )

    def on_change(self, listener: Callable[[TelephoneLine, float], None]) -> None:
        self._listeners.append(listener)

    def notify(self, now: float) -> None:
        self.changed_at = now
        for listener in list(self._listeners):
            listener(self, now)

    def start_ringing(self, now: float) -> None:
        if not self.ringing:
            self.ringing = True
            self.ring_started_at = now
            self.notify(now)

    def stop_ringing(self, now: float) -> None:
        if self.ringing:
            self.ringing = False
            self.notify(now)

    def reverse_polarity(self, now: float) -> None:
        self.polarity = -self.polarity
        self.notify(now)

    def set_battery(self, volts: float, now: float) -> None:
        self.battery_volts = volts
        self.notify(now)

    def set_hook(self, off_hook: bool, now: float) -> None:
        """The DAA's hook switch."""
        if off_hook != self.off_hook:
            self.off_hook = off_hook
            self.notify(now)

    def loop_current_ma(self) -> float:
        if not self.off_hook or self.battery_volts <= 0:
            return 0.0
        return 1000.0 * self.battery_volts / (self.feed_resistance_ohms + self.dc_resistance_ohms)

    def dc_volts(self) -> float:
        """Signed DC tip-ring voltage at the DAA (sign follows polarity)."""
        if self.battery_volts <= 0:
            return 0.0
        if self.off_hook:
            volts = self.loop_current_ma() / 1000.0 * self.dc_resistance_ohms
        else:
            volts = self.battery_volts
        return self.polarity * volts

    def voltage_at(self, now: float) -> float:
        """Instantaneous tip-ring voltage: DC feed plus the ring signal while ringing."""
        volts = self.dc_volts()
        if self.ringing and not self.off_hook:
            phase = 2 * math.pi * self.ring_frequency_hz * (now - self.ring_started_at)
            volts += math.sqrt(2) * self.ring_vrms * math.sin(phase)
        return volts
