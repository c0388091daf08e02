"""DTMF detection for every port channel, ANALYSIS_FRAMES media ticks at a time.

The channels whose endpoint wants digits have their input frames gathered and fed to one
DTMF receiver bank in one call every ANALYSIS_FRAMES ticks: the analysers' work for all of
them is a few numpy operations, where a receiver per channel would cost a dozen each, and
a call on two frames costs little more than a call on one (a Pi with eight ports feels the
difference). The price is latency: a digit is reported up to one media tick later than
analysing every tick would report it, far below what a caller can notice (a receiver needs
tens of milliseconds of tone before it may call it a digit anyway).

Each channel still hears exactly what its own receiver would, and a channel that stops
listening forgets what it heard, so a digit never spans two listening periods.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from voice.dtmf_bank import DtmfReceiverBank

if TYPE_CHECKING:
    from firmware.engine.port_channel import PortChannel

ANALYSIS_FRAMES = 2  # 40 ms of audio per analysis


class DigitListening:
    def __init__(self) -> None:
        self._bank = DtmfReceiverBank()
        self._slots: dict[PortChannel, int] = {}
        self._running: list[bool] = []
        # Per channel listening: its frames not analysed yet (a new listener joins mid-way).
        self._gathered: dict[PortChannel, list[np.ndarray]] = {}
        self._ticks = 0

    def listen(self, channels: Iterable[PortChannel]) -> None:
        """Gather this tick's input frames of the `channels` that want digits; every
        ANALYSIS_FRAMES ticks run the receivers over them and report the digits that
        started to their endpoints."""
        for channel in channels:
            slot = self._slots.get(channel)
            if slot is None:
                slot = self._slots[channel] = self._bank.add_channel()
                self._running.append(False)
            if channel.on_digit is None or not channel.digits_wanted():
                if self._running[slot]:
                    self._bank.reset(slot)
                    self._running[slot] = False
                    self._gathered.pop(channel, None)
                continue
            self._running[slot] = True
            self._gathered.setdefault(channel, []).append(channel.input_frame)
        self._ticks += 1
        if self._ticks % ANALYSIS_FRAMES == 0 and self._gathered:
            self._analyse()

    def _analyse(self) -> None:
        # Channels that joined mid-way have fewer frames: one bank call per length.
        by_length: dict[int, list[PortChannel]] = {}
        for channel, frames in self._gathered.items():
            by_length.setdefault(len(frames), []).append(channel)
        gathered, self._gathered = self._gathered, {}
        for listening in by_length.values():
            blocks = np.array([gathered[channel] for channel in listening])
            blocks = blocks.reshape(len(listening), -1)
            slots = [self._slots[channel] for channel in listening]
            for channel, events in zip(listening, self._bank.feed(slots, blocks), strict=True):
                for event in events:
                    if not event.ended and channel.on_digit is not None:
                        channel.on_digit(event.digit)
