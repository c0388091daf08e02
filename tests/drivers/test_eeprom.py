import dataclasses
import struct

import pytest

from drivers.eeprom import (
    EEPROM_I2C_ADDRESS,
    Atom,
    AtomType,
    EepromError,
    GpioFunction,
    Pull,
    build_image,
    crc16,
    decode_image,
    decode_port_table,
    encode_image,
    encode_port_table,
    parse_image,
    read_eeprom,
    write_eeprom,
)
from drivers.hal.errors import I2cNoAcknowledge
from drivers.hat_layout import (
    LAYOUTS,
    REFERENCE_LAYOUT,
    ChipType,
    HatLayout,
    PortLayout,
    layout_named,
)
from drivers.ports import PortKind
from drivers.sim.eeprom import EepromEmulator, SimI2cBus


def crc16_as_the_spec_tool_computes_it(data: bytes) -> int:
    """The HAT tools' definition, restated: feed bits LSB first through poly 0x8005,
    push 16 zero bits out, then reverse the 16-bit result."""
    register = 0
    for byte in data:
        for bit in range(8):
            carry = register >> 15
            register = ((register << 1) & 0xFFFF) | ((byte >> bit) & 1)
            if carry:
                register ^= 0x8005
    for _ in range(16):
        carry = register >> 15
        register = (register << 1) & 0xFFFF
        if carry:
            register ^= 0x8005
    return int(f"{register:016b}"[::-1], 2)


def reference_image(serial: str = "SB-000123") -> bytes:
    return build_image(dataclasses.replace(REFERENCE_LAYOUT, serial=serial))


def atom_offsets(image: bytes) -> list[tuple[int, int]]:
    """(start, end) of each atom, walked independently of the code under test."""
    count = struct.unpack_from("<H", image, 6)[0]
    spans, offset = [], 12
    for _ in range(count):
        dlen = struct.unpack_from("<I", image, offset + 4)[0]
        spans.append((offset, offset + 8 + dlen))
        offset += 8 + dlen
    return spans


def test_crc16_matches_the_catalogue_check_value_and_the_spec_tools_bitwise_definition():
    assert crc16(b"123456789") == 0xBB3D  # CRC-16/ARC check value
    for sample in (b"", b"\x00", b"R-Pi", bytes(range(256)), b"\xff" * 37):
        assert crc16(sample) == crc16_as_the_spec_tool_computes_it(sample)


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_every_layout_round_trips_through_its_eeprom_image(name):
    layout = dataclasses.replace(layout_named(name), serial="SB-42")
    description = parse_image(build_image(layout))
    assert description.layout == layout
    assert description.vendor.vendor == "Switchboard"
    assert description.vendor.product == layout.product
    assert description.overlay == "switchboard-hat"


def test_image_has_the_hat_header_and_atoms_in_the_specified_order():
    image = reference_image()
    signature, version, reserved, atoms, length = struct.unpack_from("<4sBBHI", image)
    assert (signature, version, reserved) == (b"R-Pi", 1, 0)
    assert length == len(image)
    spans = atom_offsets(image)
    assert len(spans) == atoms == 4
    assert spans[-1][1] == len(image)
    types = [struct.unpack_from("<HH", image, start) for start, _ in spans]
    assert types == [
        (AtomType.VENDOR_INFO, 0),
        (AtomType.GPIO_MAP, 1),
        (AtomType.DEVICE_TREE, 2),
        (AtomType.CUSTOM, 3),
    ]
    for start, end in spans:
        stored = struct.unpack_from("<H", image, end - 2)[0]
        assert stored == crc16_as_the_spec_tool_computes_it(image[start : end - 2])


def test_gpio_map_marks_bus_pins_chip_selects_interrupts_and_reset():
    pins = parse_image(reference_image()).gpio_map.pins
    assert {9, 10, 11, 18, 19, 20, 21} <= set(pins)
    assert all(pins[g].function is GpioFunction.ALT0 for g in (9, 10, 11, 18, 19, 20, 21))
    for port in REFERENCE_LAYOUT.ports:
        assert pins[port.interrupt_gpio] == type(pins[9])(GpioFunction.INPUT, Pull.UP)
    assert pins[REFERENCE_LAYOUT.reset_gpio].function is GpioFunction.OUTPUT
    assert 0 not in pins and 1 not in pins  # reserved for the ID EEPROM itself


def test_vendor_uuid_is_stable_per_serial_and_differs_between_boards():
    first = parse_image(reference_image("SB-1")).vendor.uuid
    assert parse_image(reference_image("SB-1")).vendor.uuid == first
    assert parse_image(reference_image("SB-2")).vendor.uuid != first


def test_reference_layout_is_four_fxs_then_two_fxo_on_timeslots_zero_to_five():
    assert [p.kind for p in REFERENCE_LAYOUT.ports] == [PortKind.FXS] * 4 + [PortKind.FXO] * 2
    assert [p.timeslot for p in REFERENCE_LAYOUT.ports] == list(range(6))
    assert [p.chip_select for p in REFERENCE_LAYOUT.ports] == list(range(6))
    assert len({p.interrupt_gpio for p in REFERENCE_LAYOUT.ports}) == 6


def test_a_corrupted_byte_in_any_atom_is_a_crc_error_naming_the_atom():
    image = reference_image()
    for index, (start, end) in enumerate(atom_offsets(image)):
        for position in (start + 8, (start + end) // 2, end - 3):
            damaged = bytearray(image)
            damaged[position] ^= 0x10
            with pytest.raises(EepromError, match=rf"atom {index} .*CRC.*re-flash"):
                parse_image(bytes(damaged))


def test_bad_signature_blank_part_and_unknown_version_are_told_apart():
    image = bytearray(reference_image())
    with pytest.raises(EepromError, match="'R-Pi' signature"):
        parse_image(b"R-Px" + bytes(image[4:]))
    with pytest.raises(EepromError, match="blank"):
        parse_image(b"\xff" * 4096)
    image[4] = 2
    with pytest.raises(EepromError, match=r"format version 2.*update the firmware"):
        parse_image(bytes(image))


@pytest.mark.parametrize("keep", [0, 5, 11, 12, 40, -3])
def test_truncated_data_is_reported_as_truncated(keep):
    image = reference_image()
    with pytest.raises(EepromError, match="truncated"):
        parse_image(image[:keep])


def test_a_hat_eeprom_without_our_port_table_is_named_as_someone_elses_hat():
    vendor_and_gpio_only = decode_image(reference_image())[:2]
    with pytest.raises(EepromError, match="not a Switchboard hat"):
        parse_image(encode_image(vendor_and_gpio_only))


def test_port_table_of_an_unknown_version_or_chip_is_rejected_with_update_advice():
    table = bytearray(encode_port_table(dataclasses.replace(REFERENCE_LAYOUT, serial="X")))
    newer = bytearray(table)
    newer[4] = 9
    with pytest.raises(EepromError, match=r"version 9.*update the firmware"):
        decode_port_table(bytes(newer))
    unknown_chip = bytearray(table)
    first_entry = len(table) - 6 * len(REFERENCE_LAYOUT.ports)
    unknown_chip[first_entry + 2] = 7
    with pytest.raises(EepromError, match="chip type 7"):
        decode_port_table(bytes(unknown_chip))
    clash = bytearray(table)
    clash[first_entry + 6 + 4] = clash[first_entry + 4]  # port 1 on port 0's timeslot
    vendor, gpio = decode_image(reference_image())[:2]
    image = encode_image([vendor, gpio, Atom(AtomType.CUSTOM, bytes(clash))])
    with pytest.raises(EepromError, match="timeslot used twice: 0"):
        parse_image(image)


def test_layout_rejects_a_chip_that_does_not_match_the_port_kind():
    with pytest.raises(ValueError, match="port 0 is FXO but carries a Si3215"):
        HatLayout(
            name="bad",
            product="bad",
            ports=(PortLayout(0, PortKind.FXO, ChipType.SI3215, 0, 0, 4),),
        )


def test_unknown_layout_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="2fxs2fxo, 4fxs2fxo, 4fxs4fxo"):
        layout_named("3fxs")


def test_image_flashed_over_i2c_reads_back_and_parses():
    eeprom = EepromEmulator()
    bus = SimI2cBus(0, {EEPROM_I2C_ADDRESS: eeprom})
    image = reference_image()
    write_eeprom(bus, image)
    # Every page write stayed inside its 32-byte page (the part wraps otherwise).
    assert eeprom.page_writes == -(-len(image) // 32)
    assert read_eeprom(bus) == image
    assert parse_image(read_eeprom(bus)).layout.serial == "SB-000123"


def test_flashing_a_write_protected_part_fails_verification():
    bus = SimI2cBus(0, {EEPROM_I2C_ADDRESS: EepromEmulator(write_protected=True)})
    with pytest.raises(EepromError, match="write-protected"):
        write_eeprom(bus, reference_image())


def test_emulated_part_wraps_a_page_write_that_crosses_its_page_end():
    eeprom = EepromEmulator()
    eeprom.write(bytes([0, 30]), b"ABCD")
    assert bytes(eeprom.memory[30:32]) == b"AB"
    assert bytes(eeprom.memory[0:2]) == b"CD"
    assert eeprom.memory[32] == 0xFF


def test_emulated_part_is_busy_for_a_few_polls_after_a_page_write():
    eeprom = EepromEmulator()
    eeprom.write(bytes([0, 0]), b"x")
    polls = 0
    while not eeprom.acknowledge():
        polls += 1
    assert 0 < polls < 10


def test_absent_eeprom_does_not_acknowledge():
    bus = SimI2cBus(0, {})
    with pytest.raises(I2cNoAcknowledge, match="0x50 on bus 0"):
        read_eeprom(bus)


def test_corrupted_emulator_contents_fail_the_crc_when_read():
    eeprom = EepromEmulator(reference_image())
    eeprom.corrupt(offset=60)
    with pytest.raises(EepromError, match="CRC"):
        parse_image(read_eeprom(SimI2cBus(0, {EEPROM_I2C_ADDRESS: eeprom})))


def test_the_pcm_start_offset_of_a_hat_survives_the_image():
    layout = dataclasses.replace(REFERENCE_LAYOUT, serial="SB-1", pcm_start_offset=1)
    assert parse_image(build_image(layout)).layout.pcm_start_offset == 1
    with pytest.raises(ValueError, match=r"PCM start offset 8 is outside 0\.\.7"):
        dataclasses.replace(REFERENCE_LAYOUT, pcm_start_offset=8)
