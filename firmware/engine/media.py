"""Channels and bridges: how audio moves between call legs, one 20 ms frame at a time.

A `Channel` is the engine's abstraction for one call leg's audio. Every media tick it
offers the frame its endpoint said (`input_frame`, after the channel's DSP) and is given
the frame its endpoint hears: the mix of its bridge, else its `source` (a tone, a prompt,
music on hold), else silence, plus an optional `overlay` (a call-waiting beep). A `Bridge`
joins 2 to 8 channels; each member hears the saturating sum of all the others.
"""

from __future__ import annotations

import logging
from typing import Protocol

import numpy as np

from drivers.frames import FRAME_SAMPLES, SAMPLE_RATE_HZ
from voice.mixer import mix, mix_minus

log = logging.getLogger(__name__)

SAMPLE_RATE = SAMPLE_RATE_HZ
MAX_BRIDGE_MEMBERS = 8
SILENCE = np.zeros(FRAME_SAMPLES, dtype=np.int16)
SILENCE.setflags(write=False)


class AudioSource(Protocol):
    def next_frame(self) -> np.ndarray:
        """The next FRAME_SAMPLES int16 samples."""
        ...


class Channel:
    """One call leg's audio path; endpoints (FXS, FXO, later SIP) provide the subclasses."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.input_frame: np.ndarray = SILENCE
        self.source: AudioSource | None = None
        self.overlay: AudioSource | None = None
        self.bridge: Bridge | None = None
        self._bridge_frame: np.ndarray = SILENCE

    def output_frame(self) -> np.ndarray:
        """What the endpoint hears this tick."""
        if self.bridge is not None:
            frame = self._bridge_frame
        elif self.source is not None:
            frame = self.source.next_frame()
        else:
            frame = SILENCE
        if self.overlay is not None:
            frame = mix([frame, self.overlay.next_frame()])
        return frame

    def play(self, source: AudioSource | None) -> None:
        """Make `source` what the endpoint hears while it is not bridged (None: silence)."""
        self.source = source

    def __repr__(self) -> str:
        return f"<Channel {self.name}>"


class Bridge:
    """Two to eight channels hearing each other."""

    def __init__(self, *members: Channel) -> None:
        self.members: list[Channel] = []
        for member in members:
            self.add(member)

    def add(self, channel: Channel) -> None:
        if channel in self.members:
            return
        if len(self.members) >= MAX_BRIDGE_MEMBERS:
            raise ValueError(f"a conference holds at most {MAX_BRIDGE_MEMBERS} parties")
        if channel.bridge is not None:
            channel.bridge.remove(channel)
        self.members.append(channel)
        channel.bridge = self
        channel._bridge_frame = SILENCE

    def remove(self, channel: Channel) -> None:
        if channel in self.members:
            self.members.remove(channel)
            channel.bridge = None

    def dissolve(self) -> None:
        for member in list(self.members):
            self.remove(member)

    def mix(self) -> None:
        """Give every member the sum of the others for this tick."""
        count = len(self.members)
        if count == 0:
            return
        if count == 2:
            first, second = self.members
            first._bridge_frame, second._bridge_frame = second.input_frame, first.input_frame
            return
        heard = mix_minus([member.input_frame for member in self.members])
        for member, frame in zip(self.members, heard, strict=True):
            member._bridge_frame = frame
