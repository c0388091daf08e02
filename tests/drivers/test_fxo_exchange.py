"""FxoPort end to end against the virtual exchange: rings, caller ID before the first ring
(heard through the on-hook line monitor and the PCM highway), answer and far-end clearing."""

import numpy as np
import pytest

import aio
from aio import host
from drivers.fxo import FxoPort, FxoSettings
from drivers.pcm import FRAME_SAMPLES, PcmHighway, PcmSlot, idle_byte
from drivers.ports import EventKind
from drivers.si3050 import Si3050
from drivers.sim.analog import TelephoneLine
from drivers.sim.bus import ChipSocket, SimInterruptLine, SimSpiDevice
from drivers.sim.codec import ChipCodec
from drivers.sim.pcm_bus import SimPcmDevice
from drivers.sim.si3050 import Si3050Emulator
from drivers.sim.world.cid import CallerIdDisplay
from drivers.sim.world.exchange import VirtualExchangeLine
from firmware.countries import load_country

TIMESLOT = 5


class Office:
    """One FXO port wired through the simulated hat to a virtual exchange line."""

    def __init__(self, country: str) -> None:
        profile = load_country(country)
        self.line = TelephoneLine()
        self.exchange = VirtualExchangeLine(self.line, tones=profile.tones)
        socket = ChipSocket("fxo", Si3050Emulator(self.line))
        settings = FxoSettings(law=profile.g711_law, termination=profile.fxo.termination)
        slot = PcmSlot(TIMESLOT, idle_byte(settings.law))
        self.events = []
        self.port = FxoPort(
            0,
            Si3050(SimSpiDevice(socket)),
            slot,
            SimInterruptLine(4, socket),
            self.events.append,
            settings,
            TIMESLOT,
        )
        self.highway = PcmHighway(SimPcmDevice([socket]), [slot])
        self.codec = ChipCodec(settings.law)
        self.display = CallerIdDisplay()  # decodes what the port hears while on-hook
        self._heard = 0
        self.off_hook_audio: list[np.ndarray] = []  # what the port hears while seized

    async def listen(self) -> None:
        """The media clock: move PCM blocks and pass on-hook audio to the display."""
        while True:
            await self.highway.exchange()
            while (frame := self.port.receive_audio()) is not None:
                samples = self.codec.decode(frame)
                if self.port.seized:
                    self.off_hook_audio.append(samples)
                else:
                    self.display.feed(self._heard, samples)
                self._heard += FRAME_SAMPLES

    def kinds(self):
        return [event.kind for event in self.events]


@pytest.mark.parametrize("country", ["GB", "RU"])
def test_caller_id_before_the_first_ring_is_heard_on_hook_and_the_rings_are_validated(country):
    office = Office(country)

    async def main():
        await office.port.start()
        media = aio.create_task(office.listen())
        answered = await office.exchange.ring(
            number="4951234567",
            standard="etsi_fsk",
            timing="before_first_ring",
            alert="polarity_reversal",
            cadence_ms=(1000, 4000),
            max_rings=2,
        )
        await aio.sleep_ms(500)
        media.cancel()
        office.display.finish()
        return answered

    assert run(main()) is False
    kinds = office.kinds()
    assert kinds[0] is EventKind.POLARITY  # the ETSI alert, on-hook
    assert kinds[1:5] == [EventKind.RING_START, EventKind.RING_STOP] * 2
    assert office.display.latest is not None
    assert office.display.latest.number == "4951234567"


def test_answering_an_inbound_call_then_the_far_end_clears_by_loop_disconnect():
    office = Office("RU")

    async def main():
        await office.port.start()
        media = aio.create_task(office.listen())
        ringing = aio.create_task(office.exchange.ring(cadence_ms=(1000, 4000)))
        while EventKind.RING_START not in office.kinds():
            await aio.sleep_ms(20)
        await office.port.seize()
        answered = await ringing
        await aio.sleep_ms(2000)
        office.exchange.hang_up("loop")
        await aio.sleep_ms(1500)
        media.cancel()
        return answered

    assert run(main()) is True
    assert office.kinds() == [EventKind.RING_START, EventKind.RING_STOP, EventKind.LOOP_DROP]
    assert office.events[1].detail == "answered"


def test_an_outgoing_call_hears_dial_tone_and_sees_a_polarity_clear_down():
    office = Office("DE")

    async def main():
        await office.port.start()
        media = aio.create_task(office.listen())
        await office.port.seize()
        await aio.sleep_ms(1000)
        office.exchange.hang_up("polarity")
        await aio.sleep_ms(1000)
        media.cancel()

    run(main())
    assert office.kinds() == [EventKind.POLARITY]
    assert "off-hook" in office.events[0].detail
    heard = np.concatenate(office.off_hook_audio[10:35]).astype(float)  # 0.2–0.7 s after seizure
    spectrum = np.abs(np.fft.rfft(heard * np.hanning(len(heard))))
    peak_hz = np.argmax(spectrum) * 8000 / len(heard)
    assert abs(peak_hz - 425.0) < 5  # German dial tone


def run(coroutine):
    return host.run(coroutine, virtual=True)
