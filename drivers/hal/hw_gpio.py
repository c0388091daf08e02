"""GPIO lines through the RPi.GPIO API (the rpi-lgpio package provides it on every Pi,
the Pi 5 included), with edge callbacks handed to the asyncio loop and latched.

RPi.GPIO calls edge callbacks on its own thread. Each callback reads the line and passes the
level to the loop with `call_soon_threadsafe`; `EdgeLatch` then remembers the edge until a
driver's `wait_for_edge` collects it.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from drivers.hal.backends import import_backend, require_node
from drivers.hal.edges import EdgeLatch
from drivers.hal.errors import HalError
from drivers.hal.interfaces import Edge

log = logging.getLogger(__name__)

GPIO_CHIP_NODE = "/dev/gpiochip0"
_setup_lock = threading.Lock()
_gpio_module: Any = None


def gpio_module() -> Any:
    """The RPi.GPIO module in BCM numbering, imported and set up once."""
    global _gpio_module
    with _setup_lock:
        if _gpio_module is None:
            require_node(
                GPIO_CHIP_NODE,
                "GPIO device",
                "this is not a Raspberry Pi, or the GPIO driver is not loaded",
            )
            module = import_backend("RPi.GPIO", "rpi-lgpio")
            module.setwarnings(False)
            module.setmode(module.BCM)
            _gpio_module = module
        return _gpio_module


class RpiGpioLine:
    """One BCM GPIO line, input (pulled up, for open-drain INT lines) or output."""

    def __init__(self, line: int, *, output: bool, initial: bool = False) -> None:
        self.line = line
        self.output = output
        self._gpio = gpio_module()
        self._loop: asyncio.AbstractEventLoop | None = None
        try:
            if output:
                self._gpio.setup(line, self._gpio.OUT, initial=self._level(initial))
            else:
                self._gpio.setup(line, self._gpio.IN, pull_up_down=self._gpio.PUD_UP)
        except (RuntimeError, OSError) as error:
            raise HalError(f"cannot set up GPIO {line}: {error} (is it used elsewhere?)") from error
        self.latch = EdgeLatch(self.read() if not output else initial)
        if not output:
            self._capture_loop()
            self._gpio.add_event_detect(line, self._gpio.BOTH, callback=self._on_edge)

    def _level(self, value: bool) -> Any:
        return self._gpio.HIGH if value else self._gpio.LOW

    def _capture_loop(self) -> None:
        try:
            self._loop = asyncio.get_running_loop()
        except RuntimeError:
            self._loop = None

    def _on_edge(self, _channel: int) -> None:
        """On RPi.GPIO's thread: read the level and hand it to the loop."""
        level = bool(self._gpio.input(self.line))
        loop = self._loop
        if loop is None or loop.is_closed():
            self.latch.record(level, pulse=True)  # nobody waits yet; the latch is locked
            return
        loop.call_soon_threadsafe(self._record_edge, level)

    def _record_edge(self, level: bool) -> None:
        # A callback means an edge happened even if the level is back where it was.
        self.latch.record(level, pulse=level == self.latch.level)

    def read(self) -> bool:
        return bool(self._gpio.input(self.line))

    def write(self, value: bool) -> None:
        if not self.output:
            raise HalError(f"GPIO {self.line} is an input; it cannot be driven")
        self._gpio.output(self.line, self._level(value))
        self.latch.record(value)

    async def wait_for_edge(self, edge: Edge, timeout_ms: float | None = None) -> bool:
        if self._loop is None or self._loop is not asyncio.get_running_loop():
            self._capture_loop()
        return await self.latch.wait(edge, timeout_ms)

    def close(self) -> None:
        if not self.output:
            self._gpio.remove_event_detect(self.line)
        self._gpio.cleanup(self.line)
