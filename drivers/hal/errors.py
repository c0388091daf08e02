"""Errors the HAL raises, real or simulated, each with a message a technician can act on."""

from __future__ import annotations


class HalError(Exception):
    """A bus or device could not be used."""


class DeviceNotFound(HalError):
    """The device node or device the HAL needs is not there (overlay missing, hat absent)."""


class BackendMissing(HalError):
    """The Python package of a real backend is not installed."""


class I2cNoAcknowledge(HalError):
    """No device acknowledged its address: absent, or busy with an internal write cycle."""
