"""The one place that decides whether the hat is real or simulated.

As with gpiozero's pin factories, drivers never know: they take the `SpiDevice`,
`GpioLine`, `I2cBus` and `PcmDevice` a `HalFactory` hands them. `default_factory()` chooses
once per process: its argument if given (which always builds a fresh factory), else the
`SWITCHBOARD_HAL` environment variable (`hw` or `sim`), else `hw` on a Raspberry Pi and
`sim` anywhere else. On a Pi the default stays `hw` even when no hat answers, so a missing
or broken hat shows up as an error instead of being replaced by a simulated one.

It sits beside `drivers.hal` and `drivers.sim` rather than in either, because it is the
only module of the drivers that knows both.
"""

from __future__ import annotations

import logging
import os

from drivers.hal.factory import HalFactory, HardwareFactory

log = logging.getLogger(__name__)

HAL_ENV = "SWITCHBOARD_HAL"
HAL_CHOICES = ("hw", "sim")
BOARD_MODEL_PATH = "/proc/device-tree/model"  # e.g. "Raspberry Pi 4 Model B Rev 1.4"


_chosen: HalFactory | None = None


def make_factory(name: str) -> HalFactory:
    """A new factory by name: "hw" for the real hat, "sim" for the simulated reference hat."""
    if name == "hw":
        return HardwareFactory()
    if name == "sim":
        # Loaded only when chosen: an appliance on the real hat never loads the emulators.
        from drivers.sim.hat import SimulatedHat

        return SimulatedHat().factory
    raise ValueError(f"{HAL_ENV} must be one of {', '.join(HAL_CHOICES)} or auto; got {name!r}")


def on_raspberry_pi(model_path: str = BOARD_MODEL_PATH) -> bool:
    """Whether this machine is a Raspberry Pi, from the board model in its device tree."""
    try:
        with open(model_path, "rb") as model:
            return b"Raspberry Pi" in model.read()
    except OSError:
        return False


def default_choice() -> str:
    """$SWITCHBOARD_HAL if set ("hw", "sim", or "auto", which `firmware.hat_choice` resolves
    by looking for the hat), else "hw" or "sim" by the kind of machine."""
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
