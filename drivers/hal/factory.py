"""The real hat's factory: opens spidev, GPIO, I2C and ALSA devices for the drivers.

`HalFactory` is what every factory offers; `drivers.factory` chooses, once per process,
between this one and the simulated hat's (`drivers.sim`).
"""

from __future__ import annotations

from typing import Protocol

from drivers.hal.interfaces import GpioLine, I2cBus, PcmDevice, SpiDevice


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
