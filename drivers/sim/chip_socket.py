"""One chip position on the simulated hat: the emulator fitted there and the faults injected.

The SPI bus (`drivers.sim.bus`) and the PCM highway (`drivers.sim.pcm_bus`) both reach a
chip through its socket. Faults on a socket: `remove()` (chip absent), `set_reset()` (held
in reset), `spi_bit_error_rate` (each bit clocked in or out flips with this probability)
and `inject_bit_errors(n)` (the next n bytes each get one flipped bit, on MISO unless told
MOSI). An empty socket, or a chip in reset, leaves MISO floating high (0xFF).
"""

from __future__ import annotations

import random

from drivers.hal.edges import EdgeLatch
from drivers.sim.chip import ChipEmulator

FLOATING_BYTE = 0xFF  # MISO with nothing driving it, pulled up


class ChipSocket:
    """One chip position on the simulated hat and the faults injected into it."""

    def __init__(self, name: str, emulator: ChipEmulator | None = None, *, seed: int = 0) -> None:
        self.name = name
        self.emulator: ChipEmulator | None = None
        self.in_reset = False
        self.spi_bit_error_rate = 0.0
        self.bit_errors_injected = 0
        self._forced_bit_errors = {"miso": 0, "mosi": 0}
        self._rng = random.Random(seed)
        self._latches: list[EdgeLatch] = []
        if emulator is not None:
            self.insert(emulator)

    def insert(self, emulator: ChipEmulator) -> None:
        """Fit a chip; its INT pin now drives the socket's interrupt line."""
        self.emulator = emulator
        emulator.on_interrupt_change(lambda asserted: self._interrupt_changed(emulator))
        self._interrupt_changed(emulator)

    def remove(self) -> None:
        """Take the chip out: SPI reads 0xFF, INT floats high, the PCM slot is undriven."""
        self.emulator = None
        self._publish_level()

    @property
    def interrupt_asserted(self) -> bool:
        return self.emulator is not None and not self.in_reset and self.emulator.interrupt_asserted

    @property
    def interrupt_level(self) -> bool:
        """Electrical level of the INT line: low (False) while asserted."""
        return not self.interrupt_asserted

    def _interrupt_changed(self, emulator: ChipEmulator) -> None:
        if emulator is self.emulator:
            self._publish_level()

    def _publish_level(self) -> None:
        for latch in self._latches:
            latch.record(self.interrupt_level)

    def attach(self, latch: EdgeLatch) -> None:
        self._latches.append(latch)

    def detach(self, latch: EdgeLatch) -> None:
        if latch in self._latches:
            self._latches.remove(latch)

    def set_reset(self, asserted: bool) -> None:
        """The shared RESET line: asserting it returns the chip to its reset state."""
        self.in_reset = asserted
        if asserted and self.emulator is not None:
            self.emulator.reset()
        self._publish_level()

    def inject_bit_errors(self, count: int = 1, *, direction: str = "miso") -> None:
        """The next `count` bytes clocked in `direction` ("miso" or "mosi") get one flipped bit."""
        if direction not in ("miso", "mosi"):
            raise ValueError(f"bit errors go on 'miso' or 'mosi', not {direction!r}")
        self._forced_bit_errors[direction] += count

    def _disturb(self, byte: int, direction: str) -> int:
        if self._forced_bit_errors[direction]:
            self._forced_bit_errors[direction] -= 1
            self.bit_errors_injected += 1
            return byte ^ (1 << self._rng.randrange(8))
        if self.spi_bit_error_rate > 0:
            for bit in range(8):
                if self._rng.random() < self.spi_bit_error_rate:
                    byte ^= 1 << bit
                    self.bit_errors_injected += 1
        return byte

    def exchange(self, mosi: int) -> int:
        """One chip-select frame through the socket, with its faults."""
        mosi = self._disturb(mosi, "mosi")
        if self.emulator is None or self.in_reset:
            miso = FLOATING_BYTE
        else:
            miso = self.emulator.spi_exchange(mosi) & 0xFF
        return self._disturb(miso, "miso")
