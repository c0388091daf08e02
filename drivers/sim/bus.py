"""The simulated hat's SPI, GPIO and factory: the HAL as emulated chips see it.

Each chip position on the hat is a `ChipSocket` (`drivers.sim.chip_socket`): the emulator
fitted there (or none), its chip select, INT line and the per-chip faults. `SimSpiDevice`
hands every chip-select frame to the socket's emulator (an empty socket, or a chip held in
reset, leaves MISO floating high: 0xFF). INT lines are open drain with a pull-up, so they
read low while the chip asserts its interrupt; the shared RESET output resets every
emulator when driven low. `SimulatedFactory` hands these out by SPI chip select and BCM
GPIO number, like `drivers.hal.factory.HardwareFactory` does for the real hat.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from drivers.hal.edges import EdgeLatch
from drivers.hal.errors import DeviceNotFound, HalError
from drivers.hal.interfaces import Edge, GpioLine, I2cBus, PcmDevice, SpiDevice
from drivers.sim.chip_socket import ChipSocket
from drivers.sim.eeprom import SimI2cBus
from drivers.sim.pcm_bus import SimPcmDevice

log = logging.getLogger(__name__)


class SimSpiDevice:
    """`SpiDevice` on one chip select: each byte in its own frame, as the hat needs."""

    def __init__(self, socket: ChipSocket, *, bus: int = 0, chip_select: int = 0) -> None:
        self.socket = socket
        self.node = f"/dev/spidev{bus}.{chip_select}"
        self.bytes_transferred = 0
        self.closed = False

    def transfer(self, data: bytes) -> bytes:
        if self.closed:
            raise HalError(f"SPI device {self.node} used after close")
        self.bytes_transferred += len(data)
        return bytes(self.socket.exchange(byte) for byte in data)

    def close(self) -> None:
        self.closed = True


class SimGpioLine:
    """A GPIO line of the simulated hat; inputs can be driven by the simulation."""

    def __init__(self, line: int, *, output: bool, level: bool = True) -> None:
        self.line = line
        self.output = output
        self.latch = EdgeLatch(level)
        self.history: list[bool] = []  # levels written, for tests
        self.closed = False

    def read(self) -> bool:
        return self.latch.level

    def write(self, value: bool) -> None:
        if not self.output:
            raise HalError(f"GPIO {self.line} is an input; it cannot be driven")
        self.history.append(value)
        self.latch.record(value)

    def drive(self, level: bool) -> None:
        """The simulation drives this input (a button, a jumper)."""
        self.latch.record(level)

    async def wait_for_edge(self, edge: Edge, timeout_ms: float | None = None) -> bool:
        return await self.latch.wait(edge, timeout_ms)

    def close(self) -> None:
        self.closed = True


class SimInterruptLine(SimGpioLine):
    """A chip's INT line as a GPIO input: low while the chip in the socket asserts it."""

    def __init__(self, line: int, socket: ChipSocket) -> None:
        super().__init__(line, output=False, level=socket.interrupt_level)
        self.socket = socket
        socket.attach(self.latch)

    def read(self) -> bool:
        return self.socket.interrupt_level

    def close(self) -> None:
        self.socket.detach(self.latch)
        super().close()


class SimResetLine(SimGpioLine):
    """The shared active-low RESET output: driving it low resets every chip."""

    def __init__(self, line: int, sockets: Iterable[ChipSocket], initial: bool) -> None:
        super().__init__(line, output=True, level=initial)
        self.sockets = sockets  # a live view: chips fitted later are reset too
        self.pulses = 0
        self._apply(initial)

    def write(self, value: bool) -> None:
        if value != self.latch.level and not value:
            self.pulses += 1
        super().write(value)
        self._apply(value)

    def _apply(self, level: bool) -> None:
        for socket in self.sockets:
            if socket.in_reset != (not level):
                socket.set_reset(not level)


class SimulatedFactory:
    """`HalFactory` of the simulated hat."""

    def __init__(
        self,
        *,
        sockets: dict[tuple[int, int], ChipSocket],
        interrupt_lines: dict[int, ChipSocket],
        reset_gpio: int,
        i2c: SimI2cBus,
        pcm: SimPcmDevice,
    ) -> None:
        self.sockets = sockets  # by (SPI bus, chip select)
        self.interrupt_lines = interrupt_lines  # by BCM GPIO
        self.reset_gpio = reset_gpio
        self.i2c_bus = i2c
        self.pcm_device = pcm
        self.gpio_lines: dict[int, SimGpioLine] = {}
        self.hat: object | None = None  # the SimulatedHat this factory belongs to, if any

    def spi(self, bus: int, chip_select: int) -> SpiDevice:
        socket = self.sockets.get((bus, chip_select))
        if socket is None:
            # The overlay creates the node; nothing is fitted behind it.
            socket = self.sockets[(bus, chip_select)] = ChipSocket(f"spi{bus}.{chip_select}")
        return SimSpiDevice(socket, bus=bus, chip_select=chip_select)

    def gpio_in(self, line: int) -> GpioLine:
        gpio: SimGpioLine
        if line in self.interrupt_lines:
            gpio = SimInterruptLine(line, self.interrupt_lines[line])
        else:
            gpio = SimGpioLine(line, output=False)
        self.gpio_lines[line] = gpio
        return gpio

    def gpio_out(self, line: int, initial: bool) -> GpioLine:
        gpio: SimGpioLine
        if line == self.reset_gpio:
            gpio = SimResetLine(line, self.sockets.values(), initial)
        else:
            gpio = SimGpioLine(line, output=True, level=initial)
        self.gpio_lines[line] = gpio
        return gpio

    def i2c(self, bus: int) -> I2cBus:
        if bus != self.i2c_bus.bus:
            raise DeviceNotFound(
                f"I2C bus /dev/i2c-{bus} not found on the simulated hat (its ID EEPROM is on "
                f"bus {self.i2c_bus.bus})"
            )
        return self.i2c_bus

    def pcm(self) -> PcmDevice:
        return self.pcm_device
