"""Hardware abstraction: the byte- and sample-level interfaces the chip drivers use.

A driver takes these objects and never knows whether they are real (spidev, GPIO, I2C,
ALSA) or simulated (`drivers.sim`); a factory chosen once decides.
"""

from drivers.hal.interfaces import Edge, GpioLine, I2cBus, PcmDevice, SpiDevice

__all__ = ["Edge", "GpioLine", "I2cBus", "PcmDevice", "SpiDevice"]
