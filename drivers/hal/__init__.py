"""Hardware abstraction: the byte- and sample-level interfaces the chip drivers use.

A driver takes these objects and never knows whether they are real (spidev, GPIO, I2C,
ALSA) or simulated (`drivers.sim`); a factory chosen once decides (`drivers.factory`).
"""

from drivers.hal.errors import BackendMissing, DeviceNotFound, HalError, I2cNoAcknowledge
from drivers.hal.factory import HalFactory, HardwareFactory
from drivers.hal.interfaces import Edge, GpioLine, I2cBus, PcmDevice, SpiDevice

__all__ = [
    "BackendMissing",
    "DeviceNotFound",
    "Edge",
    "GpioLine",
    "HalError",
    "HalFactory",
    "HardwareFactory",
    "I2cBus",
    "I2cNoAcknowledge",
    "PcmDevice",
    "SpiDevice",
]
