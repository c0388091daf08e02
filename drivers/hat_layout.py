"""What a hat carries and how it is wired: ports, chip selects, timeslots, interrupt lines.

A `HatLayout` is what the hat's EEPROM custom atom describes (see `drivers.eeprom`) and what
`drivers.hat.Hat` assembles the ports from. The reference hat (4 FXS + 2 FXO) and its
variants differ only in their layout. The pin tables below are the wiring every variant
shares; the hat's device-tree overlay must create `spidev0.N` on `SPI0_CHIP_SELECT_GPIOS[N]`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from drivers.frames import PCM_TIMESLOTS, TIMESLOT_BITS
from drivers.ports import PortKind

MAX_PORTS = PCM_TIMESLOTS  # one timeslot per chip

# BCM GPIO numbers (not header pin numbers) of the reference wiring.
ID_EEPROM_GPIOS = (0, 1)  # ID_SD/ID_SC: reserved for the HAT EEPROM by the HAT specification
SPI0_DATA_GPIOS = (9, 10, 11)  # MISO, MOSI, SCLK (ALT0)
PCM_GPIOS = (18, 19, 20, 21)  # PCM_CLK, PCM_FS, PCM_DIN, PCM_DOUT (ALT0)
SPI0_CHIP_SELECT_GPIOS = (8, 7, 22, 23, 24, 25, 26, 27)  # chip select N drives spidev0.N
INTERRUPT_GPIOS = (4, 5, 6, 12, 13, 16, 2, 3)  # one open-drain INT per chip position
RESET_GPIO = 17  # shared active-low RESET of every chip


class ChipType(Enum):
    """The chips a port can carry; the value is how status pages name them."""

    SI3215 = "Si3215"  # ProSLIC, FXS
    SI3050 = "Si3050"  # DAA with Si3019 line side, FXO

    @property
    def kind(self) -> PortKind:
        return PortKind.FXS if self is ChipType.SI3215 else PortKind.FXO


@dataclass(frozen=True)
class PortLayout:
    """One port of the hat: its chip and where that chip sits on SPI, PCM and GPIO."""

    index: int  # port number as users see it, 0-based
    kind: PortKind
    chip: ChipType
    chip_select: int  # N of /dev/spidev<bus>.N
    timeslot: int  # PCM timeslot 0..7 for both directions
    interrupt_gpio: int | None  # BCM GPIO of the chip's INT line; None = the driver polls

    def problems(self) -> list[str]:
        """Readable reasons why this port entry cannot be right (empty when it is)."""
        found = []
        if self.chip.kind is not self.kind:
            found.append(
                f"port {self.index} is {self.kind.value.upper()} but carries a "
                f"{self.chip.value}, which is an {self.chip.kind.value.upper()} chip"
            )
        if not 0 <= self.timeslot < PCM_TIMESLOTS:
            found.append(f"port {self.index} timeslot {self.timeslot} is outside 0..7")
        if not 0 <= self.chip_select < len(SPI0_CHIP_SELECT_GPIOS):
            found.append(f"port {self.index} chip select {self.chip_select} is outside 0..7")
        if self.interrupt_gpio is not None and not 2 <= self.interrupt_gpio <= 27:
            found.append(
                f"port {self.index} interrupt GPIO {self.interrupt_gpio} is not a "
                "header GPIO (2..27)"
            )
        return found


@dataclass(frozen=True)
class HatLayout:
    """A whole hat: its ports plus the lines they share."""

    name: str  # short variant name, e.g. "4fxs2fxo"
    product: str  # product name as printed on the board
    ports: tuple[PortLayout, ...]
    reset_gpio: int = RESET_GPIO
    spi_bus: int = 0
    serial: str = ""  # filled in per board when the EEPROM image is made
    pcm_start_offset: int = 0  # bit clocks between frame sync and timeslot 0 on this hat

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise ValueError("inconsistent hat layout: " + "; ".join(problems))

    def problems(self) -> list[str]:
        """Everything that makes this layout impossible to wire, in readable form."""
        found: list[str] = []
        if not 1 <= len(self.ports) <= MAX_PORTS:
            found.append(f"a hat has 1..{MAX_PORTS} ports, this one lists {len(self.ports)}")
        for port in self.ports:
            found.extend(port.problems())
        for what, values in (
            ("port index", [p.index for p in self.ports]),
            ("timeslot", [p.timeslot for p in self.ports]),
            ("chip select", [p.chip_select for p in self.ports]),
            (
                "interrupt GPIO",
                [p.interrupt_gpio for p in self.ports if p.interrupt_gpio is not None],
            ),
        ):
            duplicates = sorted({v for v in values if values.count(v) > 1})
            if duplicates:
                found.append(f"{what} used twice: {', '.join(map(str, duplicates))}")
        if not 0 <= self.pcm_start_offset < TIMESLOT_BITS:
            found.append(
                f"PCM start offset {self.pcm_start_offset} is outside 0..{TIMESLOT_BITS - 1} "
                "bit clocks"
            )
        if self.reset_gpio in (p.interrupt_gpio for p in self.ports):
            found.append(f"RESET GPIO {self.reset_gpio} is also a port's interrupt line")
        return found

    def port(self, index: int) -> PortLayout:
        for port in self.ports:
            if port.index == index:
                return port
        raise KeyError(f"the hat has no port {index}")

    def count(self, kind: PortKind) -> int:
        return sum(1 for port in self.ports if port.kind is kind)


def standard_layout(fxs_ports: int, fxo_ports: int, *, product: str | None = None) -> HatLayout:
    """The reference wiring with `fxs_ports` SLICs first, then `fxo_ports` DAAs.

    Chip position N uses chip select N, timeslot N and `INTERRUPT_GPIOS[N]`.
    """
    ports = []
    for position in range(fxs_ports + fxo_ports):
        kind, chip = (
            (PortKind.FXS, ChipType.SI3215)
            if position < fxs_ports
            else (PortKind.FXO, ChipType.SI3050)
        )
        ports.append(
            PortLayout(
                index=position,
                kind=kind,
                chip=chip,
                chip_select=position,
                timeslot=position,
                interrupt_gpio=INTERRUPT_GPIOS[position],
            )
        )
    name = f"{fxs_ports}fxs{fxo_ports}fxo"
    return HatLayout(
        name=name,
        product=product or f"Switchboard hat {fxs_ports}FXS+{fxo_ports}FXO",
        ports=tuple(ports),
    )


REFERENCE_LAYOUT = standard_layout(4, 2)
LAYOUTS: dict[str, HatLayout] = {
    layout.name: layout
    for layout in (REFERENCE_LAYOUT, standard_layout(2, 2), standard_layout(4, 4))
}


def layout_named(name: str) -> HatLayout:
    """A known variant by name, with an error listing the known ones."""
    try:
        return LAYOUTS[name]
    except KeyError:
        known = ", ".join(sorted(LAYOUTS))
        raise ValueError(f"unknown hat layout {name!r}; known layouts: {known}") from None
