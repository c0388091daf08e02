"""Recorded speech carried over the simulated hat's voice paths, caught after every stage.

Three paths, as users make calls: phone to phone (an internal call), outside line to phone
(a call coming in on an exchange line) and phone to outside line (a call going out). The
two parties first talk in turn as in a conversation (the listener speaks first, so an
exchange line's echo canceller has learnt the line's echo and its non-linear processor has
had something to do), then the speaker says the measured speech. What each stage hands on
is recorded while it does:

- "line": what the exchange line puts on the wire to the DAA (speech, line noise, echo),
- "from chip": the G.711 the speaker's chip sends up the PCM highway,
- "line DSP": the exchange line's frames after the echo canceller,
- "to chip": the G.711 the engine sends down to the listener's chip,
- "heard": what reaches the listener's ear.

The speech is Debian's recorded Asterisk prompts (asterisk-core-sounds-en-wav and -ru-wav),
the way the echo tests use them: each prompt's silent edges cut, prompts joined by short
pauses, scaled to a mean active level.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bench.corpus import at_level, talker
from firmware.config.defaults import default_config
from firmware.simulator import Line, Phone, SimulatedAppliance
from voice import g711
from voice.level import SAMPLE_RATE_HZ

PATHS = ("phone to phone", "outside line to phone", "phone to outside line")
COUNTRY_LAWS: dict[str, g711.Law] = {"US": "ulaw", "RU": "alaw"}  # the law each country's hat runs
SPEECH_S = 12.0  # P.862 asks for 8 to 20 s of speech
LEVEL_DBM0 = -15.0  # mean active level, the nominal level of the other benchmarks
EDGE_S = 0.5  # silence before and after the measured speech
TURN_S = 4.0  # the listener's turn before the measured speech
TURN_GAP_S = 0.5  # between the turn's end and the measured speech
OUTSIDE_NUMBER = "5551234"
CALLER_NUMBER = "5550100"
STEP_S = 0.02


def recorded_speech(
    language: str, seconds: float = SPEECH_S, level_dbm0: float = LEVEL_DBM0
) -> NDArray[np.int16]:
    """`seconds` of recorded prompts in `language`, silent edges cut, at `level_dbm0`."""
    return at_level(talker(language, seconds), level_dbm0)


def with_edges(speech: NDArray[np.int16]) -> NDArray[np.int16]:
    edge = np.zeros(round(EDGE_S * SAMPLE_RATE_HZ), dtype=np.int16)
    return np.concatenate((edge, speech, edge))


@dataclass
class Carried:
    """What one path did to `sent`: the audio after each stage, in order along the path."""

    path: str
    country: str
    law: g711.Law
    sent: NDArray[np.int16]
    stages: dict[str, NDArray[np.int16]] = field(default_factory=dict)

    @property
    def heard(self) -> NDArray[np.int16]:
        return self.stages["heard"]


def appliance_config(country: str) -> dict[str, Any]:
    """The default configuration in `country`, both exchange lines ringing 101."""
    document = default_config().model_dump(mode="json")
    for port in document["hat"]["ports"]:
        if port["kind"] == "fxo":
            port["inbound"] = ["101"]
    document["system"]["country"] = country
    return document


def _run_until(pbx: SimulatedAppliance, condition: Callable[[], bool], limit_s: float) -> None:
    deadline = pbx.loop.time() + limit_s
    while not condition():
        if pbx.loop.time() >= deadline:
            raise RuntimeError("the call did not get through on the simulated hat")
        pbx.run_for(STEP_S)


def _internal_call(pbx: SimulatedAppliance) -> tuple[Phone, Phone]:
    caller, callee = pbx.phone("101"), pbx.phone("102")
    caller.off_hook()
    pbx.run_for(0.5)
    caller.dial("102")
    _run_until(pbx, callee.is_ringing, 5)
    callee.off_hook()
    pbx.run_for(0.5)
    return caller, callee


def _incoming_call(pbx: SimulatedAppliance) -> tuple[Line, Phone]:
    line, phone = pbx.line(0), pbx.phone("101")
    line.ring(CALLER_NUMBER)
    _run_until(pbx, phone.is_ringing, 12)
    phone.off_hook()
    pbx.run_for(0.5)
    return line, phone


def _outgoing_call(pbx: SimulatedAppliance) -> tuple[Phone, Line]:
    line, phone = pbx.line(0), pbx.phone("101")
    line.virtual.answer_after_s = 1e9  # the far end answers when the digits are in
    phone.off_hook()
    pbx.run_for(0.5)
    phone.dial(f"9{OUTSIDE_NUMBER}#")
    _run_until(pbx, lambda: line.digits_received() == OUTSIDE_NUMBER, 10)
    line.answer()
    pbx.run_for(0.5)
    return phone, line


class _Taps:
    """Records the stages of one path while `on` is set."""

    def __init__(self, law: g711.Law) -> None:
        self.law = law
        self.on = False
        self.caught: dict[str, list[np.ndarray]] = {}

    def _keep(self, stage: str, samples: np.ndarray) -> None:
        if self.on:
            self.caught.setdefault(stage, []).append(np.asarray(samples, dtype=np.int16))

    def line(self, party: Line) -> None:
        wire = party.virtual.line
        source = wire.exchange_source
        assert source is not None

        def captured(count: int) -> np.ndarray:
            samples = source(count)
            self._keep("line", samples)
            return samples

        wire.exchange_source = captured

    def from_chip(self, channel: Any) -> None:
        port = channel.port
        receive = port.receive_audio

        def received() -> bytes | None:
            frame = receive()
            if frame is not None:
                self._keep("from chip", g711.decode(frame, self.law))
            return frame

        port.receive_audio = received

    def line_dsp(self, channel: Any) -> None:
        pull = channel.pull

        def pulled() -> None:
            pull()
            self._keep("line DSP", channel.input_frame)

        channel.pull = pulled

    def to_chip(self, channel: Any) -> None:
        port = channel.port
        send = port.send_audio

        def sent(frame: bytes) -> None:
            self._keep("to chip", g711.decode(frame, self.law))
            send(frame)

        port.send_audio = sent


def _channel(pbx: SimulatedAppliance, party: Phone | Line) -> Any:
    kind = "FXS" if isinstance(party, Phone) else "FXO"
    (channel,) = [c for c in pbx.engine.channels if c.name == f"{kind}/{party.port}"]
    return channel


def carry(path: str, country: str, speech: NDArray[np.int16], turn: NDArray[np.int16]) -> Carried:
    """Carry `speech` over `path` on a simulated hat in `country`, after the listener has
    said `turn`; returns the audio after every stage."""
    law = COUNTRY_LAWS[country]
    sent = with_edges(speech)
    with SimulatedAppliance(appliance_config(country)) as pbx:
        speaker: Phone | Line
        listener: Phone | Line
        if path == "phone to phone":
            speaker, listener = _internal_call(pbx)
        elif path == "outside line to phone":
            speaker, listener = _incoming_call(pbx)
        elif path == "phone to outside line":
            speaker, listener = _outgoing_call(pbx)
        else:
            raise ValueError(f"unknown voice path {path!r}; one of {', '.join(PATHS)}")
        taps = _Taps(law)
        if isinstance(speaker, Line):
            taps.line(speaker)
        taps.from_chip(_channel(pbx, speaker))
        if isinstance(speaker, Line):
            taps.line_dsp(_channel(pbx, speaker))
        taps.to_chip(_channel(pbx, listener))
        listener.say(turn)
        pbx.run_for(turn.size / SAMPLE_RATE_HZ + TURN_GAP_S)
        listener.say(None)
        seconds = sent.size / SAMPLE_RATE_HZ
        taps.on = True
        speaker.say(sent)
        pbx.run_for(seconds)
        taps.on = False
        heard = listener.virtual.earpiece(seconds)
    carried = Carried(path, country, law, sent)
    for stage, blocks in taps.caught.items():
        carried.stages[stage] = np.concatenate(blocks)
    carried.stages["heard"] = heard
    return carried


def pesq_score(sent: NDArray[np.int16], received: NDArray[np.int16]) -> float:
    """ITU-T P.862 narrow-band MOS-LQO of `received` against `sent`."""
    from pesq import pesq  # a test and bench dependency only

    return float(pesq(SAMPLE_RATE_HZ, sent.astype(np.float64), received.astype(np.float64), "nb"))


def g711_passes(samples: NDArray[np.int16], law: g711.Law, passes: int) -> NDArray[np.int16]:
    for _ in range(passes):
        samples = g711.through(samples, law)
    return samples
