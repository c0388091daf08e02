"""The hat overlay compiles with dtc and names the pins the drivers open (drivers.hat_layout)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from drivers.hal.interfaces import PCM_CHANNELS
from drivers.hat_layout import (
    ID_EEPROM_GPIOS,
    INTERRUPT_GPIOS,
    PCM_GPIOS,
    RESET_GPIO,
    SPI0_CHIP_SELECT_GPIOS,
    SPI0_DATA_GPIOS,
    standard_layout,
)
from drivers.hat_overlay import ALSA_CARD_NAME, PCM_SLOT_BITS, overlay_source

DTC = shutil.which("dtc")
pytestmark = pytest.mark.skipif(
    DTC is None, reason="dtc not installed (Debian package device-tree-compiler)"
)

GPIO_INPUT, GPIO_OUTPUT, GPIO_ALT0, PULL_UP = 0, 1, 4, 2


def _decompiled(source: str, tmp_path: Path) -> str:
    """Compile the overlay as the image build does (dtc -@), then decompile the blob."""
    dts, dtbo = tmp_path / "hat.dts", tmp_path / "hat.dtbo"
    dts.write_text(source)
    assert DTC is not None
    subprocess.run(
        [DTC, "-@", "-q", "-I", "dts", "-O", "dtb", "-o", str(dtbo), str(dts)], check=True
    )
    return subprocess.run(
        [DTC, "-q", "-I", "dtb", "-O", "dts", str(dtbo)], check=True, capture_output=True, text=True
    ).stdout


def _node(tree: str, name: str) -> str:
    """The text of the first node called `name` up to its closing brace."""
    match = re.search(rf"\n\t*{re.escape(name)} \{{(.*?)\n\t*\}};", tree, re.S)
    assert match, f"node {name} missing from the compiled overlay"
    return match.group(1)


def _cells(node: str, prop: str) -> list[int]:
    match = re.search(rf"\b{re.escape(prop)} = <([^>]*)>;", node)
    assert match, f"property {prop} missing"
    return [int(cell, 0) for cell in match.group(1).split()]


def _string(node: str, prop: str) -> str:
    match = re.search(rf'\b{re.escape(prop)} = "([^"]*)";', node)
    assert match, f"property {prop} missing"
    return match.group(1)


def test_spi0_uses_the_drivers_data_pins_and_one_spidev_per_chip_select(tmp_path: Path) -> None:
    tree = _decompiled(overlay_source(), tmp_path)
    data = _node(tree, "switchboard_spi0_pins")
    assert _cells(data, "brcm,pins") == list(SPI0_DATA_GPIOS)
    assert _cells(data, "brcm,function") == [GPIO_ALT0]
    selects = _node(tree, "switchboard_cs_pins")
    assert _cells(selects, "brcm,pins") == list(SPI0_CHIP_SELECT_GPIOS)
    assert _cells(selects, "brcm,function") == [GPIO_OUTPUT]
    # cs-gpios: <phandle pin flags> per chip select, in spidev0.N order.
    cs_cells = _cells(tree, "cs-gpios")
    assert cs_cells[1::3] == list(SPI0_CHIP_SELECT_GPIOS)
    for n in range(len(SPI0_CHIP_SELECT_GPIOS)):
        assert _cells(_node(tree, f"spidev@{n}"), "reg") == [n]
    assert "spidev@8" not in tree


def test_i2s_is_a_two_channel_32_bit_card_on_the_pcm_pins(tmp_path: Path) -> None:
    tree = _decompiled(overlay_source(), tmp_path)
    pins = _node(tree, "switchboard_pcm_pins")
    assert _cells(pins, "brcm,pins") == list(PCM_GPIOS)
    assert _cells(pins, "brcm,function") == [GPIO_ALT0]
    card = _node(tree, "switchboard-sound")
    assert _string(card, "compatible") == "simple-audio-card"
    assert _string(card, "simple-audio-card,name") == ALSA_CARD_NAME
    assert _string(card, "simple-audio-card,format") == "i2s"
    cpu = _node(tree, "simple-audio-card,cpu")
    assert _cells(cpu, "dai-tdm-slot-num") == [PCM_CHANNELS]
    assert _cells(cpu, "dai-tdm-slot-width") == [PCM_SLOT_BITS]


def test_interrupt_lines_pulled_up_reset_output_and_id_pins_left_alone(tmp_path: Path) -> None:
    tree = _decompiled(overlay_source(), tmp_path)
    ints = _node(tree, "switchboard_int_pins")
    assert _cells(ints, "brcm,pins") == list(INTERRUPT_GPIOS)
    assert _cells(ints, "brcm,function") == [GPIO_INPUT]
    assert _cells(ints, "brcm,pull") == [PULL_UP]
    reset = _node(tree, "switchboard_reset_pin")
    assert _cells(reset, "brcm,pins") == [RESET_GPIO]
    assert _cells(reset, "brcm,function") == [GPIO_OUTPUT]
    ids = _node(tree, "switchboard_id_pins")
    assert _cells(ids, "brcm,pins") == list(ID_EEPROM_GPIOS)


def test_overlay_targets_resolve_against_the_pi_device_tree_labels(tmp_path: Path) -> None:
    fixups = _node(_decompiled(overlay_source(), tmp_path), "__fixups__")
    for label in ("gpio", "spi", "i2s", "i2c0"):
        assert re.search(rf"\n\t*{label} = ", fixups), f"{label} not referenced"


def test_a_smaller_hat_declares_only_its_own_interrupt_lines(tmp_path: Path) -> None:
    layout = standard_layout(2, 2)
    tree = _decompiled(overlay_source(layout), tmp_path)
    ints = _node(tree, "switchboard_int_pins")
    assert _cells(ints, "brcm,pins") == [p.interrupt_gpio for p in layout.ports]
    assert len(_cells(ints, "brcm,pins")) == 4
