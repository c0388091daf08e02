"""DTMF detection for every port channel, once per media tick.

The channels whose endpoint wants digits this tick are fed to one DTMF receiver bank in one
call: the analysers' work for all of them is a few numpy operations, where a receiver per
channel would cost a dozen each (a Pi with eight ports feels the difference). Each channel
still hears exactly what its own receiver would, and a channel that stops listening forgets
what it heard, so a digit never spans two listening periods.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from voice.dtmf_bank import DtmfReceiverBank

if TYPE_CHECKING:
    from firmware.engine.port_channel import PortChannel


class DigitListening:
    def __init__(self) -> None:
        self._bank = DtmfReceiverBank()
        self._slots: dict[PortChannel, int] = {}
        self._running: list[bool] = []

    def listen(self, channels: Iterable[PortChannel]) -> None:
        """Run the receivers over this tick's input frames of `channels` and report the
        digits that started to their endpoints."""
        listening: list[PortChannel] = []
        slots: list[int] = []
        for channel in channels:
            slot = self._slots.get(channel)
            if slot is None:
                slot = self._slots[channel] = self._bank.add_channel()
                self._running.append(False)
            if channel.on_digit is None or not channel.digits_wanted():
                if self._running[slot]:
                    self._bank.reset(slot)
                    self._running[slot] = False
                continue
            self._running[slot] = True
            listening.append(channel)
            slots.append(slot)
        if not listening:
            return
        frames = np.stack([channel.input_frame for channel in listening])
        for channel, events in zip(listening, self._bank.feed(slots, frames), strict=True):
            for event in events:
                if not event.ended and channel.on_digit is not None:
                    channel.on_digit(event.digit)
