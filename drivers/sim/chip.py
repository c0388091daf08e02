"""The seam between an emulated chip and the simulated buses of the hat.

The simulated SPI device hands each chip-select frame (one byte) to the chip's emulator,
the simulated GPIO reads its interrupt pin and pulses its reset, and the simulated PCM
device moves its G.711 bytes in and out of the timeslots it has been programmed for.
Every emulator (`drivers.sim.si3215`, `drivers.sim.si3050`) implements `ChipEmulator`
and keeps a register-level `Transaction` log that tests assert on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from drivers.frames import PCM_TIMESLOTS, TIMESLOT_BITS

InterruptCallback = Callable[[bool], None]
TransactionOp = Literal["read", "write"]


@dataclass(frozen=True)
class Transaction:
    """One register access as the chip saw it, stamped with the clock at that moment."""

    time_s: float
    op: TransactionOp
    register: int
    value: int
    indirect: bool = False  # an indirect (RAM) register reached through the direct ones

    def __str__(self) -> str:
        kind = "IR" if self.indirect else "R"
        return f"{self.time_s:10.6f} {self.op:5} {kind}{self.register}=0x{self.value:02X}"


@runtime_checkable
class ChipEmulator(Protocol):
    """An emulated chip on the hat, as the simulated SPI, GPIO and PCM buses see it."""

    transactions: list[Transaction]

    def spi_exchange(self, mosi: int) -> int:
        """One chip-select frame of 8 bits: take the MOSI byte, return the MISO byte."""
        ...

    def reset(self) -> None:
        """The shared RESET line was pulsed: every register goes back to its reset value."""
        ...

    @property
    def interrupt_asserted(self) -> bool:
        """The INT pin is driven active (it is open drain and active low on the hat)."""
        ...

    def on_interrupt_change(self, callback: InterruptCallback) -> None:
        """Call `callback(asserted)` on every change of `interrupt_asserted`."""
        ...

    @property
    def law(self) -> str:
        """The G.711 law the PCM registers select: "ulaw" or "alaw"."""
        ...

    @property
    def pcm_tx_timeslot(self) -> int | None:
        """The timeslot the chip drives with captured audio; None while PCM is off."""
        ...

    @property
    def pcm_rx_timeslot(self) -> int | None:
        """The timeslot the chip plays from; None while PCM is off."""
        ...

    def pcm_capture(self, count: int) -> bytes:
        """The next `count` G.711 bytes the chip drives on its TX timeslot."""
        ...

    def pcm_playback(self, data: bytes) -> None:
        """G.711 bytes the chip received on its RX timeslot, oldest first."""
        ...


def timeslot_for_start_count(start_count: int, offset: int = 0) -> int | None:
    """The highway timeslot a PCM start count (bit clocks after frame sync) lands on.

    Timeslot t starts `TIMESLOT_BITS * t + offset` bit clocks after frame sync (`offset`
    models a hat wired with a skew). A start count that does not fall on a timeslot
    boundary, or lies past the last timeslot, carries no slot the highway reads: None.
    """
    relative = start_count - offset
    if relative < 0 or relative % TIMESLOT_BITS:
        return None
    timeslot = relative // TIMESLOT_BITS
    return timeslot if timeslot < PCM_TIMESLOTS else None


class InterruptPin:
    """An open-drain INT output an emulator can own: tracks the level, notifies on change."""

    def __init__(self) -> None:
        self.asserted = False
        self._callbacks: list[InterruptCallback] = []

    def subscribe(self, callback: InterruptCallback) -> None:
        self._callbacks.append(callback)

    def set(self, asserted: bool) -> None:
        """Drive the pin; listeners hear only real changes."""
        if asserted == self.asserted:
            return
        self.asserted = asserted
        for callback in list(self._callbacks):
            callback(asserted)
