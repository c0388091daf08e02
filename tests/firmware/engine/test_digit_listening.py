"""The engine's DTMF listening: every listening port's keys, analysed ANALYSIS_FRAMES at a time."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

import numpy as np

from firmware.engine.digit_listening import ANALYSIS_FRAMES, DigitListening
from voice.dtmf import DtmfGenerator, DtmfReceiver

if TYPE_CHECKING:
    from firmware.engine.port_channel import PortChannel

FRAME = 160
LENGTH_TICKS = 150


class ListeningChannel:
    """What DigitListening uses of a port channel: its frame, its wish and its handler."""

    def __init__(self, audio: np.ndarray, wanted: Callable[[int], bool]) -> None:
        self._audio = audio
        self._wanted = wanted
        self.tick = 0
        self.input_frame = audio[:FRAME]
        self.heard: list[tuple[int, str]] = []
        self.on_digit: Callable[[str], None] | None = self._heard

    def advance(self, tick: int) -> None:
        self.tick = tick
        self.input_frame = self._audio[tick * FRAME : (tick + 1) * FRAME]

    def digits_wanted(self) -> bool:
        return self._wanted(self.tick)

    def _heard(self, digit: str) -> None:
        self.heard.append((self.tick, digit))


def keys(text: str, *, lead_ms: int = 70) -> np.ndarray:
    generator = DtmfGenerator(on_ms=60, off_ms=60, level_dbm0=-15)
    audio = np.concatenate((np.zeros(lead_ms * 8), generator.signal(text)))
    whole = np.zeros(LENGTH_TICKS * FRAME)  # the line goes quiet after the keys
    whole[: audio.size] = audio
    return np.round(whole).astype(np.int16)


def alone(audio: np.ndarray, first_tick: int, last_tick: int) -> list[tuple[int, str]]:
    """The digits a receiver of its own, fed the frames of these ticks, reports, and the
    tick in which it would report each."""
    receiver = DtmfReceiver()
    heard = []
    for tick in range(first_tick, last_tick):
        for event in receiver.feed(audio[tick * FRAME : (tick + 1) * FRAME]):
            if not event.ended:
                heard.append((tick, event.digit))
    return heard


def from_tick(start: int) -> Callable[[int], bool]:
    return lambda tick: tick >= start


def run(channels: list[ListeningChannel], ticks: int) -> None:
    listening = DigitListening()
    for tick in range(ticks):
        for channel in channels:
            channel.advance(tick)
        listening.listen(cast("list[PortChannel]", channels))


def test_every_port_hears_its_keys_at_most_one_tick_late_whenever_it_began_listening() -> None:
    ticks = 120
    audios = [keys("159#"), keys("2580", lead_ms=130), keys("*7D3", lead_ms=30)]
    starts = [0, 1, 3]  # an odd start joins in the middle of an analysis period
    channels = [
        ListeningChannel(audio, from_tick(start))
        for audio, start in zip(audios, starts, strict=True)
    ]
    run(channels, ticks)
    for channel, audio, start in zip(channels, audios, starts, strict=True):
        expected = alone(audio, start, ticks)
        assert [digit for _, digit in channel.heard] == [digit for _, digit in expected]
        for (tick, _), (own_tick, _) in zip(channel.heard, expected, strict=True):
            assert own_tick <= tick <= own_tick + ANALYSIS_FRAMES - 1


def test_a_port_that_stops_listening_forgets_what_it_heard() -> None:
    audio = keys("1234")
    # Listening stops in the middle of the second key and starts again before the third.
    pause = range(10, 13)
    channel = ListeningChannel(audio, lambda tick: tick not in pause)
    run([channel], 80)
    expected = alone(audio, 0, pause.start) + alone(audio, pause.stop, 80)
    assert [digit for _, digit in channel.heard] == [digit for _, digit in expected]
    assert "2" not in [digit for _, digit in channel.heard]
