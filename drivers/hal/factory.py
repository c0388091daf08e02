"""The one place that decides whether the hat is real or simulated.

As with gpiozero's pin factories, drivers never know: they take the `SpiDevice`,
`GpioLine`, `I2cBus` and `PcmDevice` a `HalFactory` hands them. `default_factory()` chooses
once per process: its argument if given (which always builds a fresh factory), else the
`SWITCHBOARD_HAL` environment variable (`hw` or `sim`), else `hw` on a Raspberry Pi and
`sim` anywhere else. On a Pi the default stays `hw` even when no hat answers, so a missing
or broken hat shows up as an error instead of being replaced by a simulated one.
"""

from __future__ import annotations

import logging
import os
from typing import Protocol

from drivers.hal.interfaces import GpioLine, I2cBus, PcmDevice, SpiDevice

log = logging.getLogger(__name__)

HAL_ENV = "SWITCHBOARD_HAL"
HAL_CHOICES = ("hw", "sim")
BOARD_MODEL_PATH = "/proc/device-tree/model"  # e.g. "Raspberry Pi 4 Model B Rev 1.4"


class HalFactory(Protocol):
    """Opens the hat's buses and lines."""

    def spi(self, bus: int, chip_select: int) -> SpiDevice: ...

    def gpio_in(self, line: int) -> GpioLine: ...

    def gpio_out(self, line: int, initial: bool) -> GpioLine: ...

    def i2c(self, bus: int) -> I2cBus: ...

    def pcm(self) -> PcmDevice: ...


class HardwareFactory:
    """The real hat: spidev, RPi.GPIO (rpi-lgpio), smbus2 and sounddevice, imported lazily."""

    def __init__(self, *, pcm_device: str | None = None) -> None:
        self.pcm_device = pcm_device  # ALSA device; None = $SWITCHBOARD_PCM_DEVICE or default

    def spi(self, bus: int, chip_select: int) -> SpiDevice:
        from drivers.hal.hw_spi import SpidevDevice

        return SpidevDevice(bus, chip_select)

    def gpio_in(self, line: int) -> GpioLine:
        from drivers.hal.hw_gpio import RpiGpioLine

        return RpiGpioLine(line, output=False)

    def gpio_out(self, line: int, initial: bool) -> GpioLine:
        from drivers.hal.hw_gpio import RpiGpioLine

        return RpiGpioLine(line, output=True, initial=initial)

    def i2c(self, bus: int) -> I2cBus:
        from drivers.hal.hw_i2c import Smbus2Bus

        return Smbus2Bus(bus)

    def pcm(self) -> PcmDevice:
        from drivers.hal.hw_pcm import SoundDevicePcm

        return SoundDevicePcm(self.pcm_device)


_chosen: HalFactory | None = None


def make_factory(name: str) -> HalFactory:
    """A new factory by name: "hw" for the real hat, "sim" for the simulated reference hat."""
    if name == "hw":
        return HardwareFactory()
    if name == "sim":
        from drivers.sim.hat import SimulatedHat

        return SimulatedHat().factory
    raise ValueError(f"{HAL_ENV} must be one of {', '.join(HAL_CHOICES)}; got {name!r}")


def on_raspberry_pi(model_path: str = BOARD_MODEL_PATH) -> bool:
    """Whether this machine is a Raspberry Pi, from the board model in its device tree."""
    try:
        with open(model_path, "rb") as model:
            return b"Raspberry Pi" in model.read()
    except OSError:
        return False


def default_choice() -> str:
    """ "hw" or "sim": $SWITCHBOARD_HAL if set, else by the kind of machine."""
    chosen = os.environ.get(HAL_ENV, "").strip().lower()
    if chosen:
        return chosen
    return "hw" if on_raspberry_pi() else "sim"


def default_factory(name: str | None = None) -> HalFactory:
    """The factory for this process (see the module docstring for how it is chosen)."""
    global _chosen
    if name is not None:
        return make_factory(name)
    if _chosen is None:
        choice = default_choice()
        _chosen = make_factory(choice)
        log.info("HAL factory: %s", choice)
    return _chosen


def set_default_factory(factory: HalFactory | None) -> None:
    """Make `factory` the process default (None: choose again on the next call)."""
    global _chosen
    _chosen = factory
