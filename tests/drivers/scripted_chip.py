"""A minimal chip for bus tests: 128 byte registers, ProSLIC-style framing, scripted PCM."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

import aio
from drivers.sim.chip import InterruptPin, Transaction

RESET_VALUE = 0x5A  # every register after reset


class ScriptedChip:
    """Write = [reg][value]; read = [reg | 0x80] then one frame clocking the value out."""

    def __init__(self, *, tx: int | None = None, rx: int | None = None, law: str = "ulaw") -> None:
        self.registers = bytearray([RESET_VALUE]) * 128
        self.transactions: list[Transaction] = []
        self.resets = 0
        self.law = law
        self.pcm_tx_timeslot = tx
        self.pcm_rx_timeslot = rx
        self.played = bytearray()
        self.capture_source: Callable[[int], bytes] = lambda n: bytes([0x7F]) * n
        self._pin = InterruptPin()
        self._pending: tuple[str, int] | None = None

    def spi_exchange(self, mosi: int) -> int:
        if self._pending is None:
            self._pending = ("read" if mosi & 0x80 else "write", mosi & 0x7F)
            return 0xFF
        op, register = self._pending
        self._pending = None
        if op == "write":
            self.registers[register] = mosi
            value = mosi
        else:
            value = self.registers[register]
        self.transactions.append(Transaction(aio.monotonic(), op, register, value))
        return value if op == "read" else 0xFF

    def reset(self) -> None:
        self.registers = bytearray([RESET_VALUE]) * 128
        self._pending = None
        self.resets += 1
        self._pin.set(False)

    @property
    def interrupt_asserted(self) -> bool:
        return self._pin.asserted

    def assert_interrupt(self, asserted: bool) -> None:
        self._pin.set(asserted)

    def on_interrupt_change(self, callback: Callable[[bool], None]) -> None:
        self._pin.subscribe(callback)

    def pcm_capture(self, count: int) -> bytes:
        return self.capture_source(count)

    def pcm_playback(self, data: bytes) -> None:
        self.played += data


def ramp_source(start: int) -> Callable[[int], bytes]:
    """A byte pattern that continues across blocks: start, start+1, … modulo 256."""
    position = [start]

    def source(count: int) -> bytes:
        values = (position[0] + np.arange(count)) % 256
        position[0] += count
        return values.astype(np.uint8).tobytes()

    return source
