"""The real backends, exercised without hardware through stand-in modules."""

import errno
import sys
import threading
import types
from typing import ClassVar

import numpy as np
import pytest

import aio
from aio import host
from drivers import factory
from drivers.factory import (
    default_choice,
    default_factory,
    make_factory,
    on_raspberry_pi,
    set_default_factory,
)
from drivers.hal import backends, hw_gpio
from drivers.hal.errors import BackendMissing, DeviceNotFound, I2cNoAcknowledge
from drivers.hal.factory import HardwareFactory
from drivers.hal.hw_i2c import Smbus2Bus
from drivers.hal.hw_pcm import CAPTURE_BUFFER_BLOCKS, SoundDevicePcm
from drivers.hal.hw_spi import SpidevDevice
from drivers.hal.interfaces import Edge
from drivers.sim.eeprom import EepromEmulator


@pytest.fixture
def nodes_present(monkeypatch):
    monkeypatch.setattr(backends.os.path, "exists", lambda path: True)


# --- SPI ------------------------------------------------------------------------------
class FakeSpiDev:
    instances: ClassVar[list["FakeSpiDev"]] = []

    def __init__(self):
        self.calls = []
        self.opened = None
        self.mode = 0
        self.max_speed_hz = 0
        self.bits_per_word = 0
        FakeSpiDev.instances.append(self)

    def open(self, bus, device):
        self.opened = (bus, device)

    def xfer2(self, data):
        self.calls.append(list(data))
        return [(byte ^ 0xFF) for byte in data]

    def close(self):
        self.opened = None


def test_missing_spi_node_names_the_device_and_how_to_enable_it():
    with pytest.raises(DeviceNotFound, match=r"/dev/spidev0\.3 not found: enable SPI"):
        SpidevDevice(0, 3)


def test_spi_sends_every_byte_in_its_own_transfer_in_mode_3(nodes_present, monkeypatch):
    monkeypatch.setitem(sys.modules, "spidev", types.SimpleNamespace(SpiDev=FakeSpiDev))
    spi = SpidevDevice(0, 2)
    fake = FakeSpiDev.instances[-1]
    assert fake.opened == (0, 2)
    assert (fake.mode, fake.max_speed_hz, fake.bits_per_word) == (3, 1_000_000, 8)
    assert spi.transfer(bytes([0x80, 0x00, 0x41])) == bytes([0x7F, 0xFF, 0xBE])
    assert fake.calls == [[0x80], [0x00], [0x41]]


def test_a_missing_backend_package_says_what_to_install(nodes_present, monkeypatch):
    monkeypatch.setitem(sys.modules, "spidev", None)
    with pytest.raises(BackendMissing, match=r"'spidev'.*pip install 'switchboard\[hw\]'"):
        SpidevDevice(0, 0)


# --- I2C ------------------------------------------------------------------------------
class FakeMsg:
    def __init__(self, kind, address, data=b"", length=0):
        self.kind, self.addr, self.data = kind, address, bytes(data)
        self.buf = bytearray(length)

    def __iter__(self):
        return iter(self.buf)


class FakeI2cMsg:
    @staticmethod
    def write(address, data):
        return FakeMsg("w", address, data)

    @staticmethod
    def read(address, length):
        return FakeMsg("r", address, length=length)


class FakeSMBus:
    """An SMBus whose device 0x50 is the 24C32 emulator, NACKing while it is busy."""

    eeprom: EepromEmulator | None = None

    def __init__(self, bus):
        self.bus = bus
        self.transfers = []

    def i2c_rdwr(self, *messages):
        eeprom = FakeSMBus.eeprom
        if eeprom is None or messages[0].addr != 0x50 or not eeprom.acknowledge():
            raise OSError(errno.EREMOTEIO, "Remote I/O error")
        self.transfers.append([(m.kind, len(m.data) or len(m.buf)) for m in messages])
        first = messages[0]
        if len(messages) == 1:
            eeprom.write(first.data[:2], first.data[2:])
        else:
            eeprom.set_pointer(first.data)
            messages[1].buf[:] = eeprom.read(len(messages[1].buf))

    def close(self):
        pass


class FakeTime:
    def __init__(self):
        self.now = 0.0
        self.sleeps = 0

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps += 1
        self.now += seconds


@pytest.fixture
def smbus2(nodes_present, monkeypatch):
    module = types.SimpleNamespace(SMBus=FakeSMBus, i2c_msg=FakeI2cMsg)
    monkeypatch.setitem(sys.modules, "smbus2", module)
    FakeSMBus.eeprom = EepromEmulator()
    yield FakeSMBus
    FakeSMBus.eeprom = None


def test_missing_i2c_node_explains_how_to_reach_the_id_eeprom():
    with pytest.raises(DeviceNotFound, match=r"/dev/i2c-7 not found.*i2c_vc=on"):
        Smbus2Bus(7)


def test_i2c_writes_whole_pages_and_waits_out_each_write_cycle(smbus2):
    fake_time = FakeTime()
    bus = Smbus2Bus(0, clock=fake_time.clock, sleep=fake_time.sleep)
    data = bytes(range(100))
    bus.write(0x50, 20, data)
    assert bytes(smbus2.eeprom.memory[20:120]) == data  # no page wrapped onto itself
    writes = [t for t in bus._smbus.transfers if len(t) == 1]
    assert [length - 2 for ((_, length),) in writes] == [12, 32, 32, 24]
    assert fake_time.sleeps == 3 * 3  # each later page waited out three busy polls
    assert bus.read(0x50, 20, 100) == data


def test_i2c_reads_long_ranges_in_chunks_with_a_16_bit_offset(smbus2):
    smbus2.eeprom.memory[:] = bytes(range(256)) * 16
    bus = Smbus2Bus(0, sleep=lambda s: None)
    assert bus.read(0x50, 0x0F00, 0x100 + 10) == (bytes(range(256)) + bytes(range(10)))
    assert [t[0] for t in bus._smbus.transfers] == [("w", 2), ("w", 2)]


def test_i2c_without_a_device_gives_up_after_the_write_cycle_time(smbus2):
    fake_time = FakeTime()
    smbus2.eeprom = None
    bus = Smbus2Bus(0, clock=fake_time.clock, sleep=fake_time.sleep)
    with pytest.raises(I2cNoAcknowledge, match="0x50 on /dev/i2c-0"):
        bus.read(0x50, 0, 12)
    assert 0.019 <= fake_time.now <= 0.025


# --- GPIO -----------------------------------------------------------------------------
class FakeGpio:
    BCM, IN, OUT, HIGH, LOW, PUD_UP, BOTH = "bcm", "in", "out", 1, 0, "up", "both"

    def __init__(self):
        self.levels = {}
        self.callbacks = {}
        self.setups = {}

    def setwarnings(self, flag):
        pass

    def setmode(self, mode):
        self.mode = mode

    def setup(self, line, direction, initial=None, pull_up_down=None):
        self.setups[line] = (direction, initial, pull_up_down)
        self.levels[line] = 1 if direction == self.IN else initial

    def input(self, line):
        return self.levels[line]

    def output(self, line, value):
        self.levels[line] = value

    def add_event_detect(self, line, edge, callback):
        self.callbacks[line] = callback

    def remove_event_detect(self, line):
        self.callbacks.pop(line)

    def cleanup(self, line):
        self.levels.pop(line, None)

    def drive_from_another_thread(self, line, level):
        """What the GPIO library's thread does when a pin changes."""

        def fire():
            self.levels[line] = level
            self.callbacks[line](line)

        thread = threading.Thread(target=fire)
        thread.start()
        thread.join()


@pytest.fixture
def fake_gpio(nodes_present, monkeypatch):
    gpio = FakeGpio()
    monkeypatch.setitem(sys.modules, "RPi", types.SimpleNamespace(GPIO=gpio))
    monkeypatch.setitem(sys.modules, "RPi.GPIO", gpio)
    monkeypatch.setattr(hw_gpio, "_gpio_module", None)
    return gpio


def test_interrupt_input_is_pulled_up_and_output_starts_at_its_initial_level(fake_gpio):
    line_in = hw_gpio.RpiGpioLine(4, output=False)
    line_out = hw_gpio.RpiGpioLine(17, output=True, initial=True)
    assert fake_gpio.setups[4] == ("in", None, "up")
    assert fake_gpio.setups[17] == ("out", 1, None)
    assert line_in.read() is True and line_out.read() is True
    line_out.write(False)
    assert fake_gpio.levels[17] == 0


def test_an_edge_reported_on_a_foreign_thread_reaches_the_waiting_driver(fake_gpio):
    async def main():
        line = hw_gpio.RpiGpioLine(4, output=False)
        fake_gpio.drive_from_another_thread(4, 0)
        seen = await line.wait_for_edge(Edge.FALLING)
        fake_gpio.drive_from_another_thread(4, 1)
        rising = await line.wait_for_edge(Edge.RISING)
        line.close()
        return seen, rising

    assert host.run(main(), virtual=True) == (True, True)
    assert 4 not in fake_gpio.callbacks


def test_a_pulse_over_before_the_callback_reads_the_pin_counts_as_both_edges(fake_gpio):
    async def main():
        line = hw_gpio.RpiGpioLine(5, output=False)
        fake_gpio.drive_from_another_thread(5, 1)  # went low and back before it was read
        return await line.wait_for_edge(Edge.FALLING), line.latch.edges_seen

    assert host.run(main(), virtual=True) == (True, 2)


# --- PCM ------------------------------------------------------------------------------
class FakeStream:
    instances: ClassVar[list["FakeStream"]] = []

    def __init__(self, **options):
        self.options = options
        self.started = False
        FakeStream.instances.append(self)

    def start(self):
        self.started = True

    def stop(self):
        self.started = False

    def close(self):
        pass

    def tick(self, captured):
        """One PortAudio period on its own thread: returns what was played."""
        played = np.zeros((160, 2), dtype=np.int32)
        thread = threading.Thread(
            target=self.options["callback"],
            args=(captured.view(np.int32), played, 160, None, None),
        )
        thread.start()
        thread.join()
        return played.view(np.uint32)


@pytest.fixture
def sounddevice(monkeypatch):
    def query_devices(device):
        if device != "switchboard":
            raise ValueError(f"No input/output device matching {device!r}")
        return {"name": device}

    module = types.SimpleNamespace(
        Stream=FakeStream, query_devices=query_devices, PortAudioError=RuntimeError
    )
    monkeypatch.setitem(sys.modules, "sounddevice", module)
    monkeypatch.delenv("SWITCHBOARD_PCM_DEVICE", raising=False)
    return module


def test_missing_pcm_device_names_it_and_the_overlay(sounddevice):
    with pytest.raises(DeviceNotFound, match=r"PCM device 'hifiberry' not found: enable"):
        SoundDevicePcm("hifiberry")


def test_pcm_opens_two_32_bit_channels_at_8_khz_in_160_frame_blocks(sounddevice):
    captured = (np.arange(320, dtype=np.uint32) * 0x01010101).reshape(160, 2)

    async def main():
        pcm = SoundDevicePcm()
        reader = aio.create_task(pcm.read_block())
        await aio.sleep(0)
        stream = FakeStream.instances[-1]
        played_first = stream.tick(captured)
        block = await reader
        pcm.write_block(captured[::-1].copy())
        played_second = stream.tick(captured)
        pcm.close()
        return stream.options, block, played_first, played_second, pcm

    options, block, first, second, pcm = host.run(main(), virtual=True)
    assert options["samplerate"] == 8000 and options["blocksize"] == 160
    assert options["channels"] == 2 and options["dtype"] == "int32"
    assert block.dtype == np.uint32 and np.array_equal(block, captured)
    assert np.all(first == 0xFFFFFFFF)  # nothing written yet: idle codes
    assert np.array_equal(second, captured[::-1])
    assert pcm.playback_underruns == 1


def test_pcm_counts_blocks_the_engine_did_not_read_in_time(sounddevice):
    async def main():
        pcm = SoundDevicePcm()
        reader = aio.create_task(pcm.read_block())
        await aio.sleep(0)
        stream = FakeStream.instances[-1]
        for n in range(CAPTURE_BUFFER_BLOCKS + 3):
            stream.tick(np.full((160, 2), n, dtype=np.uint32))
        first = await reader
        return pcm, first

    pcm, first = host.run(main(), virtual=True)
    # The reader only runs once all 13 periods are over: the buffer kept the last ten.
    assert pcm.dropped_blocks == 3
    assert first[0, 0] == 3


def test_pcm_plays_a_burst_of_late_writes_without_keeping_the_delay(sounddevice):
    async def main():
        pcm = SoundDevicePcm()
        reader = aio.create_task(pcm.read_block())
        await aio.sleep(0)
        stream = FakeStream.instances[-1]
        stream.tick(np.zeros((160, 2), dtype=np.uint32))
        await reader
        for n in range(1, 6):  # a loop catching up writes five blocks at once
            pcm.write_block(np.full((160, 2), n, dtype=np.uint32))
        played = [stream.tick(np.zeros((160, 2), dtype=np.uint32))[0, 0] for _ in range(3)]
        return pcm, played

    pcm, played = host.run(main(), virtual=True)
    # Only the newest blocks wait, so the next write is heard one period later, as before.
    assert played[:2] == [4, 5]
    assert played[2] == 5  # nothing new: the last word is held
    assert pcm.playback_underruns == 2  # the very first period and this one


# --- factory --------------------------------------------------------------------------
def test_unknown_hal_name_lists_the_choices():
    expected = "SWITCHBOARD_HAL must be one of hw, sim or auto; got 'pi'"
    with pytest.raises(ValueError, match=expected):
        make_factory("pi")


def test_hal_is_chosen_by_argument_then_environment_then_machine(monkeypatch, tmp_path):
    model = tmp_path / "model"
    model.write_bytes(b"Raspberry Pi 5 Model B Rev 1.0\x00")
    assert on_raspberry_pi(str(model)) is True
    assert on_raspberry_pi(str(tmp_path / "absent")) is False
    monkeypatch.setattr(factory, "on_raspberry_pi", lambda: True)
    monkeypatch.delenv("SWITCHBOARD_HAL", raising=False)
    assert default_choice() == "hw"
    monkeypatch.setattr(factory, "on_raspberry_pi", lambda: False)
    assert default_choice() == "sim"
    monkeypatch.setenv("SWITCHBOARD_HAL", "hw")
    assert default_choice() == "hw"
    set_default_factory(None)
    try:
        chosen = default_factory()
        assert isinstance(chosen, HardwareFactory)
        assert default_factory() is chosen  # chosen once
        assert default_factory("hw") is not chosen  # an explicit argument builds anew
    finally:
        set_default_factory(None)
