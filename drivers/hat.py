"""The hat as a whole: read its EEPROM, reset its chips, run its PCM clock, start its ports.

`await Hat.start(factory, settings, events)` works the same on the real hat and on the
simulated one (the factory decides). A hat whose EEPROM is missing, blank or corrupt
refuses to start with a `HatError` saying what to do. After that, each port stands alone:
a port whose chip is absent or fails to initialise is FAILED with its reason while every
other port works.

The PCM highway runs from the start, before the chips are initialised, because the chips'
PLLs lock to the PCM bit clock. The engine ticks on it with
`hat.highway.add_tick_listener(...)`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

import aio
from drivers.eeprom import EepromError, HatDescription, parse_image, read_eeprom
from drivers.fxo import FxoPort, FxoSettings
from drivers.fxs import FxsPort, FxsSettings
from drivers.hal.errors import HalError, I2cNoAcknowledge
from drivers.hal.factory import HalFactory
from drivers.hal.interfaces import GpioLine, SpiDevice
from drivers.hat_layout import HatLayout, PortLayout
from drivers.pcm import PcmHighway, PcmSlot, idle_byte
from drivers.ports import EventKind, EventSink, Health, PortEvent, PortKind, PortStatus
from drivers.si3050 import Si3050
from drivers.si3215 import Si3215

log = logging.getLogger(__name__)

EEPROM_I2C_BUS = 0  # ID_SD/ID_SC as /dev/i2c-0 (dtparam=i2c_vc=on)
RESET_PULSE_MS = 1  # RESET held low; the chips need well under a millisecond
RESET_RECOVERY_MS = 10  # before the first SPI access after RESET rises


class HatError(Exception):
    """The hat cannot be used at all; the message says what to check or do."""


@dataclass(frozen=True)
class HatSettings:
    """Port settings for the whole hat, with optional per-port overrides by port index."""

    fxs: FxsSettings = field(default_factory=FxsSettings)
    fxo: FxoSettings = field(default_factory=FxoSettings)
    ports: Mapping[int, FxsSettings | FxoSettings] = field(default_factory=dict)
    eeprom_bus: int = EEPROM_I2C_BUS

    def for_port(self, port: PortLayout, pcm_start_offset: int = 0) -> FxsSettings | FxoSettings:
        """The settings of `port`; the hat's PCM start offset applies unless set here."""
        wanted = FxsSettings if port.kind is PortKind.FXS else FxoSettings
        chosen = self.ports.get(port.index, self.fxs if port.kind is PortKind.FXS else self.fxo)
        if not isinstance(chosen, wanted):
            raise HatError(
                f"port {port.index} is an {port.kind.value.upper()} port but its settings are "
                f"{type(chosen).__name__}: give it {wanted.__name__}"
            )
        if pcm_start_offset and not chosen.pcm_start_count_offset:
            chosen = dataclasses.replace(chosen, pcm_start_count_offset=pcm_start_offset)
        return chosen


class Port(Protocol):
    index: int
    kind: PortKind

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def status(self) -> PortStatus: ...


class UnavailablePort:
    """A port the hat lists but could not bring up at all (no device node, a crash)."""

    def __init__(self, layout: PortLayout, reason: str) -> None:
        self.index = layout.index
        self.kind = layout.kind
        self.layout = layout
        self.reason = reason

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    def status(self) -> PortStatus:
        return PortStatus(
            index=self.index,
            kind=self.kind,
            chip=f"{self.layout.chip.value} (unavailable)",
            health=Health.FAILED,
            reason=self.reason,
        )


def _drop_event(event: PortEvent) -> None:
    log.debug("event without a listener: %s", event)


class Hat:
    """A started hat: its ports by index, its PCM highway and what its EEPROM says."""

    def __init__(
        self,
        description: HatDescription,
        highway: PcmHighway,
        reset: GpioLine,
        events: EventSink,
    ) -> None:
        self.description = description
        self.highway = highway
        self.ports: dict[int, Port] = {}
        self.chips: dict[int, Si3215 | Si3050] = {}  # chip drivers by port, for diagnostics
        self._reset = reset
        self._events = events
        self._devices: list[SpiDevice | GpioLine] = []
        self._clock_task: aio.Task[None] | None = None

    @property
    def layout(self) -> HatLayout:
        return self.description.layout

    @classmethod
    async def start(
        cls,
        factory: HalFactory,
        settings: HatSettings | None = None,
        events: EventSink | None = None,
    ) -> Hat:
        """Read the EEPROM, reset the chips, start the PCM clock and every port."""
        settings = settings or HatSettings()
        description = read_description(factory, settings.eeprom_bus)
        layout = description.layout
        for port in layout.ports:
            settings.for_port(port)  # refuse mismatched overrides before touching the chips
        log.info(
            "hat %s (serial %s): %d FXS, %d FXO",
            layout.product,
            layout.serial,
            layout.count(PortKind.FXS),
            layout.count(PortKind.FXO),
        )
        try:
            reset = factory.gpio_out(layout.reset_gpio, True)
        except HalError as error:
            raise HatError(f"cannot drive the hat's RESET line: {error}") from error
        slots = [PcmSlot(p.timeslot, idle_byte(settings.for_port(p).law)) for p in layout.ports]
        try:
            highway = PcmHighway(factory.pcm(), slots)
        except HalError as error:
            reset.close()
            raise HatError(f"cannot open the hat's PCM highway: {error}") from error
        hat = cls(description, highway, reset, events or _drop_event)
        await hat._pulse_reset()
        hat._clock_task = aio.create_task(highway.run())
        for port in layout.ports:
            port_settings = settings.for_port(port, layout.pcm_start_offset)
            hat.ports[port.index] = hat._make_port(factory, port, port_settings)
        await aio.gather(*(hat._start_port(port) for port in layout.ports))
        return hat

    async def _pulse_reset(self) -> None:
        self._reset.write(False)
        await aio.sleep_ms(RESET_PULSE_MS)
        self._reset.write(True)
        await aio.sleep_ms(RESET_RECOVERY_MS)

    def _make_port(
        self, factory: HalFactory, port: PortLayout, settings: FxsSettings | FxoSettings
    ) -> Port:
        try:
            spi = factory.spi(self.layout.spi_bus, port.chip_select)
        except HalError as error:
            log.error("port %d: %s", port.index, error)
            return UnavailablePort(port, str(error))
        self._devices.append(spi)
        interrupt: GpioLine | None = None
        if port.interrupt_gpio is not None:
            try:
                interrupt = factory.gpio_in(port.interrupt_gpio)
                self._devices.append(interrupt)
            except HalError as error:
                log.warning("port %d: no interrupt line, polling instead: %s", port.index, error)
        slot = self.highway.slot(port.timeslot)
        if isinstance(settings, FxsSettings):
            slic = self.chips[port.index] = Si3215(spi)
            return FxsPort(port.index, slic, slot, interrupt, self._events, settings, port.timeslot)
        daa = self.chips[port.index] = Si3050(spi)
        return FxoPort(port.index, daa, slot, interrupt, self._events, settings, port.timeslot)

    async def _start_port(self, layout: PortLayout) -> None:
        port = self.ports[layout.index]
        try:
            await port.start()
        except Exception as error:  # a port must never take the others down with it
            log.exception("port %d crashed while starting", layout.index)
            with contextlib.suppress(Exception):
                await port.stop()
            reason = f"start failed: {error}"
            self.ports[layout.index] = UnavailablePort(layout, reason)
            self._events(PortEvent(layout.index, EventKind.FAILED, aio.ticks_ms(), detail=reason))
            return
        status = port.status()
        if status.health is not Health.OK:
            log.warning("port %d is %s: %s", layout.index, status.health.value, status.reason)

    def status(self) -> list[PortStatus]:
        return [self.ports[index].status() for index in sorted(self.ports)]

    async def stop(self) -> None:
        """Stop every port, then the PCM clock, and release the buses."""
        await aio.gather(*(port.stop() for port in self.ports.values()), return_exceptions=True)
        if self._clock_task is not None:
            self._clock_task.cancel()
            with contextlib.suppress(aio.CancelledError):
                await self._clock_task
            self._clock_task = None
        for device in self._devices:
            device.close()
        self._devices.clear()
        self.highway.close()
        self._reset.close()


def read_description(factory: HalFactory, bus: int = EEPROM_I2C_BUS) -> HatDescription:
    """The hat's EEPROM, read and validated; `HatError` when there is no usable hat."""
    try:
        i2c = factory.i2c(bus)
    except HalError as error:
        raise HatError(f"cannot reach the hat's ID EEPROM: {error}") from error
    try:
        image = read_eeprom(i2c)
    except I2cNoAcknowledge as error:
        raise HatError(
            f"no hat found: nothing answers at the ID EEPROM address on I2C bus {bus}; "
            "check the hat is seated on the 40-pin header"
        ) from error
    except HalError as error:
        raise HatError(f"cannot read the hat's ID EEPROM: {error}") from error
    finally:
        i2c.close()
    try:
        return parse_image(image)
    except EepromError as error:
        raise HatError(str(error)) from error
