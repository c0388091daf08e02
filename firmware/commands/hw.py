"""`switchboard hw ...`: technician tools for the telephony hat.

    hw probe [--sim | --hw] [--layout NAME] [--json]
        Start the hat and print each port: chip and revision, health, state, calibration
        and line measurements, alarms.
    hw eeprom-image [--layout NAME] [--serial S] [--overlay NAME | --no-overlay] -o FILE
        Write the EEPROM image a manufacturer flashes into a hat.
    hw eeprom-read [FILE] [--bus N] [--sim | --hw]
        Decode an image file, or the EEPROM of the fitted hat.
    hw eeprom-flash FILE [--bus N] [--sim | --hw]
        Flash an image into the fitted hat's EEPROM and verify it.

Which hat a command talks to: `--sim` (the simulated reference hat, or `--layout`) or
`--hw` (the real one) when given; else the `SWITCHBOARD_HAL` environment variable (`sim` or
`hw`); else the real hat on a Raspberry Pi and the simulated one anywhere else. On a Pi the
real hat is never silently replaced by a simulated one: a missing or broken hat is an error
that says what to check. The simulated hat runs on virtual time, so probing it is instant.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import secrets
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

from aio import host
from drivers.eeprom import (
    DEFAULT_OVERLAY,
    EepromError,
    HatDescription,
    build_image,
    parse_image,
    write_eeprom,
)
from drivers.factory import HAL_ENV, make_factory
from drivers.hal.errors import HalError
from drivers.hal.factory import HalFactory
from drivers.hat_layout import LAYOUTS, REFERENCE_LAYOUT, layout_named
from drivers.ports import PortEvent, PortStatus
from firmware.hat_choice import choose_hal

T = TypeVar("T")

EXIT_OK = 0
EXIT_FAILED = 1  # the hat or the image is not usable
EXIT_USAGE = 2  # bad arguments or an unreadable file


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the `hw` command and its subcommands to the `switchboard` parser."""
    hw = subparsers.add_parser("hw", help="probe the hat, make and flash its EEPROM")
    commands = hw.add_subparsers(title="hw commands", metavar="ACTION")

    probe = commands.add_parser("probe", help="start the hat and print every port's state")
    _hal_options(probe)
    probe.add_argument("--json", action="store_true", help="print JSON instead of a table")
    probe.set_defaults(handler=probe_command)

    image = commands.add_parser("eeprom-image", help="write a hat EEPROM image file")
    image.add_argument(
        "--layout", default=REFERENCE_LAYOUT.name, choices=sorted(LAYOUTS), help="hat variant"
    )
    image.add_argument("--serial", help="board serial number (default: a random one)")
    overlay = image.add_mutually_exclusive_group()
    overlay.add_argument(
        "--overlay", default=DEFAULT_OVERLAY, help="device-tree overlay the Pi loads at boot"
    )
    overlay.add_argument("--no-overlay", action="store_true", help="name no overlay")
    image.add_argument("-o", "--output", type=Path, required=True, help="image file to write")
    image.set_defaults(handler=eeprom_image_command)

    read = commands.add_parser("eeprom-read", help="decode an EEPROM image or the hat's EEPROM")
    read.add_argument("file", nargs="?", type=Path, help="image file (default: the hat)")
    _hal_options(read)
    read.set_defaults(handler=eeprom_read_command)

    flash = commands.add_parser("eeprom-flash", help="flash an image into the hat's EEPROM")
    flash.add_argument("file", type=Path, help="image made by eeprom-image")
    _hal_options(flash)
    flash.set_defaults(handler=eeprom_flash_command)
    return hw


def _hal_options(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--sim", action="store_const", const="sim", dest="hal", help="simulated")
    which.add_argument("--hw", action="store_const", const="hw", dest="hal", help="real hat")
    parser.add_argument(
        "--layout",
        choices=sorted(LAYOUTS),
        help="variant of the simulated hat (default: the reference hat)",
    )
    parser.add_argument("--bus", type=int, default=0, help="I2C bus of the ID EEPROM (default 0)")


def _factory(args: argparse.Namespace) -> tuple[HalFactory, bool]:
    """The factory the options ask for, and whether it is simulated."""
    choice = choose_hal(args.hal).hal  # SWITCHBOARD_HAL=auto looks for the hat, as the engine does
    if choice == "sim":
        from drivers.sim.hat import SimulatedHat

        layout = layout_named(args.layout) if args.layout else REFERENCE_LAYOUT
        return SimulatedHat(layout, eeprom_bus=args.bus).factory, True
    if args.layout:
        raise ValueError("--layout chooses a simulated hat; the real hat says what it is")
    try:
        return make_factory(choice), False
    except ValueError as error:
        raise ValueError(f"{error} (from ${HAL_ENV})") from None


def _run(coroutine: Coroutine[Any, Any, T], simulated: bool) -> T:
    return host.run(coroutine, virtual=simulated)


# --- probe ------------------------------------------------------------------------------
@dataclasses.dataclass
class ProbeResult:
    description: HatDescription
    statuses: list[PortStatus]
    calibration: dict[int, list[int]]  # FXS port → ProSLIC calibration result registers
    events: list[PortEvent]


async def probe(factory: HalFactory, eeprom_bus: int = 0) -> ProbeResult:
    """Start the hat, take every port's status and calibration results, stop it again."""
    from drivers.hat import Hat, HatSettings
    from drivers.ports import Health
    from drivers.si3215 import Si3215
    from drivers.si3215_regs import CALIBRATION_RESULTS

    events: list[PortEvent] = []
    hat = await Hat.start(factory, HatSettings(eeprom_bus=eeprom_bus), events.append)
    try:
        statuses = hat.status()
        calibration = {
            status.index: [chip.read(register) for register in CALIBRATION_RESULTS]
            for status in statuses
            if status.health is not Health.FAILED
            and isinstance(chip := hat.chips.get(status.index), Si3215)
        }
        return ProbeResult(hat.description, statuses, calibration, events)
    finally:
        await hat.stop()


def probe_command(args: argparse.Namespace) -> int:
    from drivers.hat import HatError

    try:
        factory, simulated = _factory(args)
        result = _run(probe(factory, args.bus), simulated)
    except ValueError as error:
        print(f"switchboard hw probe: {error}", file=sys.stderr)
        return EXIT_USAGE
    except (HatError, HalError) as error:
        print(f"switchboard hw probe: {error}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        print(json.dumps(_probe_json(result, simulated), indent=2))
    else:
        print(format_probe(result, simulated=simulated), end="")
    return EXIT_OK


def _probe_json(result: ProbeResult, simulated: bool) -> dict[str, Any]:
    layout = result.description.layout
    return {
        "simulated": simulated,
        "product": layout.product,
        "serial": layout.serial,
        "ports": [
            {
                "index": s.index,
                "kind": s.kind.value,
                "chip": s.chip,
                "timeslot": layout.port(s.index).timeslot,
                "health": s.health.value,
                "reason": s.reason,
                "state": s.state,
                "measurements": s.measurements,
                "counters": s.counters,
                "calibration": result.calibration.get(s.index),
            }
            for s in result.statuses
        ],
    }


def format_probe(result: ProbeResult, *, simulated: bool = False) -> str:
    """The probe as a table a technician reads, one line per port, then the problems."""
    description, statuses = result.description, result.statuses
    layout = description.layout
    kinds = ", ".join(
        f"{sum(1 for p in layout.ports if p.kind.value == k)} {k.upper()}" for k in ("fxs", "fxo")
    )
    where = "simulated hat" if simulated else "hat"
    lines = [
        f"{where}: {layout.product}, serial {layout.serial or '?'}, {kinds}"
        + (f", overlay {description.overlay}" if description.overlay else ""),
        "",
    ]
    header = ("PORT", "KIND", "TS", "CHIP", "HEALTH", "STATE", "MEASUREMENTS")
    rows = [header]
    for status in statuses:
        port = layout.port(status.index)
        rows.append(
            (
                str(status.index),
                status.kind.value.upper(),
                str(port.timeslot),
                status.chip,
                status.health.value.upper(),
                status.state,
                format_measurements(status.measurements),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        lines.append("  ".join(cells).rstrip())
    if result.calibration:
        lines.append("")
        lines.append("FXS calibration results (ProSLIC registers 98-107):")
        for index, values in sorted(result.calibration.items()):
            lines.append(f"  port {index}: " + " ".join(f"{value:02X}" for value in values))
    problems = [s for s in statuses if s.reason]
    alarms = [(s, k, v) for s in statuses for k, v in s.counters.items() if "alarm" in k and v]
    if problems or alarms:
        lines.append("")
    for status in problems:
        lines.append(f"port {status.index} {status.health.value.upper()}: {status.reason}")
    for status, name, count in alarms:
        lines.append(f"port {status.index}: {name.replace('_', ' ')} {count}")
    ok = sum(1 for s in statuses if not s.reason)
    lines.append("")
    lines.append(f"{ok} of {len(statuses)} ports OK")
    return "\n".join(lines).rstrip() + "\n"


_UNITS = (("_volts", "V", 1), ("_v", "V", 1), ("_ma", "mA", 1), ("_ohms", "Ω", 0))


def format_measurements(measurements: dict[str, float]) -> str:
    """`line volts -48.0 V, loop current 0.0 mA` from `{"line_volts": -48.0, ...}`."""
    parts = []
    for key, value in measurements.items():
        for suffix, unit, decimals in _UNITS:
            if key.endswith(suffix):
                name = key[: -len(suffix)].replace("_", " ")
                parts.append(f"{name} {value:.{decimals}f} {unit}")
                break
        else:
            parts.append(f"{key.replace('_', ' ')} {value:g}")
    return ", ".join(parts) or "-"


# --- EEPROM -----------------------------------------------------------------------------
def eeprom_image_command(args: argparse.Namespace) -> int:
    serial = args.serial or f"SB-{secrets.token_hex(4).upper()}"
    layout = dataclasses.replace(layout_named(args.layout), serial=serial)
    image = build_image(layout, overlay=None if args.no_overlay else args.overlay)
    try:
        args.output.write_bytes(image)
    except OSError as error:
        print(f"switchboard hw eeprom-image: cannot write {args.output}: {error}", file=sys.stderr)
        return EXIT_USAGE
    print(f"{args.output}: {len(image)} bytes, {layout.product}, serial {serial}")
    return EXIT_OK


def eeprom_read_command(args: argparse.Namespace) -> int:
    from drivers.hat import HatError, read_description

    try:
        if args.file is not None:
            description = parse_image(args.file.read_bytes())
        else:
            factory, _ = _factory(args)
            description = read_description(factory, args.bus)
    except OSError as error:
        print(f"switchboard hw eeprom-read: cannot read {args.file}: {error}", file=sys.stderr)
        return EXIT_USAGE
    except ValueError as error:
        print(f"switchboard hw eeprom-read: {error}", file=sys.stderr)
        return EXIT_USAGE
    except (EepromError, HatError) as error:
        print(f"switchboard hw eeprom-read: {error}", file=sys.stderr)
        return EXIT_FAILED
    print(format_description(description))
    return EXIT_OK


def format_description(description: HatDescription) -> str:
    layout, vendor = description.layout, description.vendor
    lines = [
        f"vendor   {vendor.vendor}",
        f"product  {layout.product} (id 0x{vendor.product_id:04X}, "
        f"version {vendor.product_version})",
        f"serial   {layout.serial}",
        f"uuid     {vendor.uuid}",
        f"overlay  {description.overlay or '-'}",
        f"SPI bus  {layout.spi_bus}, RESET GPIO {layout.reset_gpio}",
        "",
        "PORT  KIND  CHIP    CS  TS  INT",
    ]
    for port in layout.ports:
        interrupt = "-" if port.interrupt_gpio is None else f"GPIO{port.interrupt_gpio}"
        lines.append(
            f"{port.index:<4}  {port.kind.value.upper():<4}  {port.chip.value:<6}  "
            f"{port.chip_select:<2}  {port.timeslot:<2}  {interrupt}"
        )
    return "\n".join(lines)


def eeprom_flash_command(args: argparse.Namespace) -> int:
    try:
        image = args.file.read_bytes()
    except OSError as error:
        print(f"switchboard hw eeprom-flash: cannot read {args.file}: {error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        description = parse_image(image)  # never flash an image the engine would refuse
        factory, _ = _factory(args)
        bus = factory.i2c(args.bus)
        try:
            write_eeprom(bus, image)
        finally:
            bus.close()
    except ValueError as error:
        print(f"switchboard hw eeprom-flash: {error}", file=sys.stderr)
        return EXIT_USAGE
    except (EepromError, HalError) as error:
        print(f"switchboard hw eeprom-flash: {error}", file=sys.stderr)
        return EXIT_FAILED
    layout = description.layout
    print(f"flashed and verified {len(image)} bytes: {layout.product}, serial {layout.serial}")
    return EXIT_OK
