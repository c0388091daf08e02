"""An FXS port on the simulated hat bus, with probes on its loop, for the FXS tests.

The chip is the register-level emulator in a `ChipSocket`; the driver reaches it through
the simulated SPI device and INT line, and audio moves through the simulated PCM device and
the highway, exactly as on the simulated hat. The probes record every linefeed change of
the loop with its time, and everything the line carried to the phone.
"""

from __future__ import annotations

import numpy as np

import aio
from drivers.fxs import FxsPort, FxsSettings
from drivers.pcm import PcmHighway, PcmSlot, idle_byte
from drivers.ports import EventKind, PortEvent
from drivers.si3215 import Si3215
from drivers.sim.analog import FxsLoop, Linefeed
from drivers.sim.bus import ChipSocket, SimInterruptLine, SimSpiDevice
from drivers.sim.pcm_bus import SimPcmDevice
from drivers.sim.si3215 import Si3215Emulator

INT_GPIO = 17


class FxsRig:
    """Build inside a running (virtual-time) loop: the emulator reads the loop's clock."""

    def __init__(
        self,
        settings: FxsSettings | None = None,
        *,
        timeslot: int = 2,
        interrupt: bool = True,
        fitted: bool = True,
        part: str = "Si3215",
    ) -> None:
        self.settings = settings or FxsSettings()
        self.loop = FxsLoop()
        self.emulator = Si3215Emulator(self.loop, part=part)
        self.socket = ChipSocket("fxs0", self.emulator if fitted else None)
        self.spi = SimSpiDevice(self.socket)
        self.int_line = SimInterruptLine(INT_GPIO, self.socket) if interrupt else None
        self.slot = PcmSlot(timeslot, idle_byte(self.settings.law))
        self.events: list[PortEvent] = []
        self.chip = Si3215(self.spi)
        self.port = FxsPort(
            0, self.chip, self.slot, self.int_line, self.events.append, self.settings, timeslot
        )
        self.feed_log: list[tuple[float, Linefeed]] = []
        self.loop.on_change(self._loop_changed)
        self._last_feed = self.loop.linefeed
        self.heard: list[tuple[float, np.ndarray]] = []  # (time of the block, samples)
        self.loop.phone_sink = self._sink
        self._highway_task: aio.Task[None] | None = None
        self.received: list[bytes] = []  # frames the port handed up, as the engine reads them
        self.engine_frame: bytes | None = None  # sent to the port every block when set

    def _loop_changed(self, loop: FxsLoop, now: float) -> None:
        if loop.linefeed != self._last_feed:
            self._last_feed = loop.linefeed
            self.feed_log.append((now, loop.linefeed))

    def _sink(self, samples: np.ndarray) -> None:
        self.heard.append((aio.monotonic(), samples.copy()))

    def start_highway(self) -> PcmHighway:
        """Run the PCM highway (one block per 20 ms) until the test ends, consuming capture."""
        highway = PcmHighway(SimPcmDevice([self.socket]), [self.slot])

        async def run() -> None:
            while True:
                await highway.exchange()
                while (frame := self.port.receive_audio()) is not None:  # as the engine does
                    self.received.append(frame)
                if self.engine_frame is not None:
                    self.port.send_audio(self.engine_frame)

        self._highway_task = aio.create_task(run())
        return highway

    async def start(self) -> None:
        await self.port.start()

    def set_hook(self, off_hook: bool) -> None:
        self.loop.set_hook(off_hook, aio.monotonic())

    def kinds(self, *skip: EventKind) -> list[EventKind]:
        return [event.kind for event in self.events if event.kind not in skip]

    def feed_intervals(self, state: Linefeed) -> list[tuple[float, float]]:
        """(start, duration) of each time the loop was in `state`, in seconds."""
        intervals = []
        for (start, feed), (end, _next) in zip(self.feed_log, self.feed_log[1:], strict=False):
            if feed is state:
                intervals.append((start, end - start))
        return intervals

    def line_audio(self, start_s: float, end_s: float) -> np.ndarray:
        """What the phone received in blocks delivered between these times."""
        blocks = [samples for at, samples in self.heard if start_s <= at < end_s]
        return np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.int16)
