"""The virtual phone on a real FXS port stack: FxsPort → Si3215 driver → simulated SPI/PCM →
Si3215 emulator → FxsLoop → VirtualPhone. Checks that the world meets the emulated chips
at the analog boundary as the contracts say (ring voltage, on-hook caller ID, hook, audio
both ways)."""

import numpy as np
import pytest

import aio
from aio import host
from drivers.fxs import FxsPort, FxsSettings
from drivers.pcm import FRAME_SAMPLES, PcmHighway, PcmSlot, idle_byte
from drivers.ports import EventKind
from drivers.si3215 import Si3215
from drivers.sim.analog import FxsLoop
from drivers.sim.bus import ChipSocket, SimInterruptLine, SimSpiDevice
from drivers.sim.codec import ChipCodec
from drivers.sim.pcm_bus import SimPcmDevice
from drivers.sim.si3215 import Si3215Emulator
from drivers.sim.world import VirtualPhone
from tests.drivers.sim.world import spandsp_ref as ref
from tests.drivers.sim.world.analog_peers import tone

TIMESLOT = 3


class Desk:
    """One FXS port on the simulated hat bus with a virtual phone on its loop."""

    def __init__(self) -> None:
        self.loop = FxsLoop()
        socket = ChipSocket("fxs", Si3215Emulator(self.loop))
        self.settings = FxsSettings(law="alaw", ring_frequency_hz=25.0)
        self.slot = PcmSlot(TIMESLOT, idle_byte(self.settings.law))
        self.events = []
        self.port = FxsPort(
            0,
            Si3215(SimSpiDevice(socket)),
            self.slot,
            SimInterruptLine(17, socket),
            self.events.append,
            self.settings,
            TIMESLOT,
        )
        self.highway = PcmHighway(SimPcmDevice([socket]), [self.slot])
        self.codec = ChipCodec(self.settings.law)
        self.phone = VirtualPhone(self.loop)
        self.received: list[np.ndarray] = []
        self.to_phone: np.ndarray | None = None

    async def media(self) -> None:
        """The media clock: one PCM block each 20 ms, frames to and from the port."""
        sent = 0
        while True:
            if self.to_phone is not None and sent < len(self.to_phone):
                frame = self.to_phone[sent : sent + FRAME_SAMPLES]
                self.port.send_audio(self.codec.encode(frame).tobytes())
                sent += FRAME_SAMPLES
            await self.highway.exchange()
            while (frame := self.port.receive_audio()) is not None:
                self.received.append(self.codec.decode(frame))


def run(coroutine):
    return host.run(coroutine, virtual=True)


def test_phone_rings_with_the_ports_cadence_and_shows_its_caller_id():
    desk = Desk()
    message = ref.mdmf(0x80, [(1, b"11241200"), (2, b"84951234567"), (7, b"Office")])
    caller_id = ref.adsi_generate(ref.ADSI_STANDARD_CLIP, message)

    async def main():
        await desk.port.start()
        media = aio.create_task(desk.media())
        desk.port.ring((1000, 4000), caller_id=caller_id, caller_id_delay_ms=500)
        await aio.sleep(11.5)
        desk.port.stop_ringing()
        media.cancel()

    run(main())
    phone = desk.phone
    on_off = phone.ring_cadence_ms()
    assert on_off[:3] == pytest.approx([1000, 4000, 1000], abs=60)
    assert phone.ring_log[0].frequency_hz == pytest.approx(25.0, abs=0.1)
    assert phone.ring_log[0].amplitude_vpk == pytest.approx(75.0, abs=1)
    shown = phone.caller_id()
    assert shown is not None and (shown.number, shown.name) == ("84951234567", "Office")


def test_phone_goes_off_hook_hears_the_port_and_is_heard_by_it():
    desk = Desk()
    desk.to_phone = np.tile(tone((1000.0,), -12, 1.0), 4)

    async def main():
        await desk.port.start()
        media = aio.create_task(desk.media())
        await aio.sleep(0.5)
        desk.phone.off_hook()
        desk.phone.say(600.0, level_dbm0=-15)
        await aio.sleep(2.0)
        desk.phone.say(None)
        await desk.phone.dial_dtmf("2580#")
        await aio.sleep(0.5)
        media.cancel()

    run(main())
    assert EventKind.OFF_HOOK in [event.kind for event in desk.events]
    assert desk.phone.level_at(1000.0, seconds=1.0) == pytest.approx(-12, abs=0.5)
    sent_up = np.concatenate(desk.received)
    assert ref.dtmf_decode(sent_up) == "2580#"
    voice = sent_up[-3 * 8000 : -2 * 8000]
    fitted = np.abs(np.fft.rfft(voice * np.hanning(len(voice))))
    assert abs(np.argmax(fitted) * 8000 / len(voice) - 600) < 2


def dial_while_the_media_loop_stalls(stall_s):
    """Dial with the engine's loop stalling `stall_s` every 300 ms; return what came up."""
    desk = Desk()

    async def media_with_stalls():
        while True:
            for _ in range(15):
                await desk.highway.exchange()
                while (frame := desk.port.receive_audio()) is not None:
                    desk.received.append(desk.codec.decode(frame))
            await aio.sleep(stall_s)  # nothing read: the device keeps what it captures

    async def main():
        await desk.port.start()
        media = aio.create_task(media_with_stalls())
        await aio.sleep(0.5)
        desk.phone.off_hook()
        await aio.sleep(0.3)
        await desk.phone.dial_dtmf("2580#147")
        await aio.sleep(0.5)
        media.cancel()

    run(main())
    return desk, np.concatenate(desk.received)


def test_a_stalled_engine_within_the_device_buffer_loses_no_dialled_digit():
    desk, sent_up = dial_while_the_media_loop_stalls(0.15)
    assert ref.dtmf_decode(sent_up) == "2580#147"
    assert desk.highway.dropped_blocks == 0


def test_a_stall_longer_than_the_device_buffer_is_counted_as_lost_audio():
    desk, _ = dial_while_the_media_loop_stalls(0.3)
    assert desk.highway.dropped_blocks > 0
