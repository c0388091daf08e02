"""`--hal auto`: the real hat when one is fitted, else the simulated hat, saying why.

The appliance image starts the engine with `--hal auto` so that the same image boots on a Pi
with the hat, on a Pi without it and in a virtual machine. The Pi firmware reads a HAT's ID
EEPROM at power-on and lists it under /proc/device-tree/hat; a Switchboard hat also gives
Linux the SPI devices its overlay creates. Without either, nothing could drive real lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from drivers.factory import on_raspberry_pi

HAT_PRODUCT_PATH = Path("/proc/device-tree/hat/product")
FIRST_CHIP_SPI_PATH = Path("/dev/spidev0.0")
OUR_PRODUCT_WORD = "Switchboard"


@dataclass(frozen=True)
class HalChoice:
    hal: str  # "hw" or "sim"
    reason: str  # shown in the engine's status and log

    @property
    def description(self) -> str:
        return f"{self.hal} ({self.reason})"


def choose_hal(
    requested: str | None,
    *,
    hat_product_path: Path = HAT_PRODUCT_PATH,
    spi_path: Path = FIRST_CHIP_SPI_PATH,
    on_pi: bool | None = None,
) -> HalChoice:
    """`requested` ("hw", "sim", "auto" or None for the drivers' default) as a choice."""
    if requested in ("hw", "sim"):
        return HalChoice(requested, "chosen on the command line")
    if requested is None:
        from drivers.factory import default_choice

        default = default_choice()
        if default != "auto":
            return HalChoice(default, "the default for this machine")
        requested = default
    if requested != "auto":
        raise ValueError(f"--hal must be hw, sim or auto; got {requested!r}")
    product = _read_text(hat_product_path)
    if product is not None and OUR_PRODUCT_WORD.lower() in product.lower():
        return HalChoice("hw", f"hat found: {product}")
    if on_pi is None:
        on_pi = on_raspberry_pi()
    if not on_pi:
        return HalChoice("sim", "no hat found: not a Raspberry Pi, running the simulated hat")
    if product is not None:
        return HalChoice("sim", f"no hat found: the fitted HAT is {product!r}, not ours")
    if spi_path.exists():
        return HalChoice("hw", f"no HAT EEPROM, but {spi_path} exists (overlay set by hand)")
    return HalChoice("sim", "no hat found on this Raspberry Pi, running the simulated hat")


def _read_text(path: Path) -> str | None:
    try:
        return path.read_bytes().rstrip(b"\0").decode("utf-8", "replace").strip()
    except OSError:
        return None
