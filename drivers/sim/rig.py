"""The simulated rig: the simulated hat with a virtual phone on every FXS port and a
virtual exchange line on every FXO port, speaking the tones of one country."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import aio
from drivers.hat_layout import REFERENCE_LAYOUT, HatLayout
from drivers.sim.hat import SimulatedHat
from drivers.sim.world import VirtualExchangeLine, VirtualPhone
from drivers.sim.world.signals import ToneSpecLike


class SimulatedRig:
    def __init__(
        self,
        tones: Mapping[str, ToneSpecLike],
        layout: HatLayout = REFERENCE_LAYOUT,
        clock: Callable[[], float] = aio.monotonic,
    ) -> None:
        self.hat = SimulatedHat(layout, clock=clock)
        self.phones = {
            index: VirtualPhone(loop, tones=tones, clock=clock)
            for index, loop in self.hat.loops.items()
        }
        self.exchanges = {
            index: VirtualExchangeLine(line, tones=tones, clock=clock)
            for index, line in self.hat.lines.items()
        }
