"""The fixture firmware's timing and signals, under MicroPython on a virtual clock, with a
board that records what its pins did and when. Signals the firmware makes are decoded by
the project's own receivers, made independently of it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from drivers.sim.world import cid_format, fsk
from hil_tests.fixture.protocol import escape, split, unescape
from hil_tests.micropython import ROOT, run_on_virtual_clock
from hil_tests.rig.measure import sine
from voice.dtmf_rx import decode

RECORDING_BOARD = """
import json
import aio
from fixture import Fixture
from ring_generator import RingGenerator


class RecordingBoard:
    FXS_PORTS = 2
    FXO_PORTS = 2

    def __init__(self):
        self.start = aio.ticks_ms()
        self.log = []
        self.ring = [False, False]
        self.seized = [False, False]
        self.heard = [b"", b""]

    def note(self, *what):
        self.log.append([self.elapsed()] + list(what))

    def elapsed(self):
        return aio.ticks_diff(aio.ticks_ms(), self.start)

    async def wait_serial(self, ms):
        await aio.sleep_ms(ms)

    async def wait_inputs(self, ms):
        await aio.sleep_ms(ms)

    def uart_read(self):
        return ""

    def uart_write(self, text):
        self.note("uart", text)

    def set_hook(self, port, off_hook):
        self.note("hook", port, off_hook)

    def ring_detected(self, port):
        return self.ring[port]

    def ring_measure(self, port):
        return 20.0, 80.0

    def play(self, port, pcm):
        self.note("play", port, len(pcm))

    def listen(self, port):
        heard, self.heard[port] = self.heard[port], b""
        return heard

    def caller_id(self, port):
        return 0, None, None, None

    def line_seized(self, line):
        return self.seized[line]

    def line_loop(self, line):
        return 0.0, 48.0

    def line_dtmf(self, line):
        return ""

    def line_play(self, line, pcm):
        self.note("line_play", line, len(pcm))

    def ring_relay(self, line, on):
        self.note("ring_relay", line, on)

    def offer_ended(self, line, answered):
        self.note("offer_ended", line, answered)


def report(**values):
    print("RESULT " + json.dumps(values))
"""


def _run(tmp_path: Path, body: str, data: dict[str, str] | None = None) -> dict[str, Any]:
    """Run `body` after the recording board's definition; the values it reports."""
    script = tmp_path / "main.py"
    script.write_text(RECORDING_BOARD + body)
    mounts = {ROOT / "aio": "/lib/aio", ROOT / "hil_tests/fixture": "/lib"}
    if data is not None:
        data_dir = tmp_path / "data"
        data_dir.mkdir()
        lines = [f"{name} = {value!r}" for name, value in data.items()]
        (data_dir / "test_data.py").write_text("\n".join(lines) + "\n")
        mounts[data_dir] = "/lib/data"
    result = run_on_virtual_clock(script, mounts)
    assert result.returncode == 0, result.stderr
    reported = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    assert reported, result.stdout
    return dict(json.loads(reported[-1][len("RESULT ") :]))


def test_pulse_dialling_breaks_the_loop_ten_times_a_second(tmp_path: Path) -> None:
    values = _run(
        tmp_path,
        """
async def main():
    board = RecordingBoard()
    reply = await Fixture(board).execute("FXS 1 PULSE 20")
    report(reply=reply, log=board.log)
await aio.create_task(main())
""",
    )
    assert values["reply"] == "OK PULSE digits=20"
    hook = [(at, off_hook) for at, what, port, off_hook in values["log"] if what == "hook"]
    breaks = [at for at, off_hook in hook if not off_hook]
    makes = [at for at, off_hook in hook if off_hook]
    assert len(breaks) == 2 + 10, "two pulses for 2, ten for 0"
    assert [make - brk for brk, make in zip(breaks, makes, strict=True)] == [60] * 12
    assert breaks[1] - breaks[0] == 100, "10 pulses per second"
    assert breaks[2] - makes[1] >= 800, "the pause between two digits"


def test_the_ring_cadence_is_measured_from_the_ring_detector(tmp_path: Path) -> None:
    values = _run(
        tmp_path,
        """
async def bell(board, start_ms, cadence):
    await aio.sleep_ms(start_ms)
    for index, ms in enumerate(cadence):
        board.ring[0] = index % 2 == 0
        await aio.sleep_ms(ms)
    board.ring[0] = True

async def main():
    board = RecordingBoard()
    fixture = Fixture(board)
    aio.create_task(fixture.run())
    aio.create_task(bell(board, 300, [800, 400, 800, 4000]))
    reply = await fixture.execute("FXS 0 WATCH RING 7000")
    events = [entry[2].strip() for entry in board.log if entry[1] == "uart"]
    report(reply=reply, events=events)
await aio.create_task(main())
""",
    )
    words, options = split(values["reply"])
    assert words == ["OK", "RING"]
    measured = [int(ms) for ms in options["cadence"].split("/")]
    assert len(measured) == 4
    for got, expected in zip(measured, [800, 400, 800, 4000], strict=True):
        assert abs(got - expected) <= 10, measured
    assert options["hz"] == "20.0"
    assert values["events"][:2] == ["EVT FXS 0 RING ON", "EVT FXS 0 RING OFF"]


RING_OFFER = """
async def answer_at(board, ms):
    if ms is not None:
        await aio.sleep_ms(ms)
        board.seized[0] = True

async def main():
    board = RecordingBoard()
    caller_id = bytes(4000)
    generator = RingGenerator(board, 0, [2000, 4000], caller_id, MAX_RINGS, lambda: board.seized[0])
    aio.create_task(answer_at(board, ANSWER_MS))
    answered = await generator.run()
    report(answered=answered, log=board.log, ended=board.elapsed())
await aio.create_task(main())
"""


def test_the_ring_generator_follows_the_cadence_and_stops_when_the_unit_answers(
    tmp_path: Path,
) -> None:
    values = _run(tmp_path, "MAX_RINGS = None\nANSWER_MS = 7000\n" + RING_OFFER)
    assert values["answered"] is True
    relay = [(at, on) for at, what, _, on in values["log"] if what == "ring_relay"]
    assert relay[:4] == [(0, True), (2000, False), (6000, True), (7000, False)], "ring trip"
    assert all(not on for _, on in relay[4:])
    assert ["offer_ended", 0, True] in [entry[1:] for entry in values["log"]]
    sent = [(at, size) for at, what, _, size in values["log"] if what == "line_play"]
    assert sent == [(2600, 4000)], "caller ID 600 ms into the first pause"


def test_an_unanswered_offer_ends_after_max_rings(tmp_path: Path) -> None:
    values = _run(tmp_path, "MAX_RINGS = 2\nANSWER_MS = None\n" + RING_OFFER)
    assert values["answered"] is False
    relay = [at for at, what, _, on in values["log"] if what == "ring_relay" and on]
    assert relay == [0, 6000]
    assert values["ended"] == 12000


def _pcm(text: str) -> np.ndarray:
    return np.frombuffer(bytes.fromhex(text), dtype="<i2").astype(np.int16)


def test_key_tones_and_caller_id_made_under_micropython_decode_with_independent_receivers(
    tmp_path: Path,
) -> None:
    values = _run(
        tmp_path,
        """
from signals import dtmf_key
from caller_id import samples_for

def as_hex(data):
    return data.hex()

keys = bytearray()
for key in "5550199#":
    keys += dtmf_key(key, 100, 100)
report(
    keys=as_hex(keys),
    bell202=as_hex(samples_for("bell202", "5550199", "SMITH")),
    etsi_fsk=as_hex(samples_for("etsi_fsk", "5550199", "SMITH")),
    dtmf=as_hex(samples_for("dtmf", "5550199", None)),
)
""",
    )
    assert decode(_pcm(values["keys"])) == "5550199#"
    assert decode(_pcm(values["dtmf"])) == "A5550199C"
    for standard, modem in (("bell202", fsk.BELL202), ("etsi_fsk", fsk.V23)):
        burst = fsk.demodulate(_pcm(values[standard]))
        assert burst is not None and burst.modem is modem, standard
        messages = cid_format.split_messages(burst.characters[0])
        shown = cid_format.parse_message(messages[0], standard, 0.0)
        assert isinstance(shown, cid_format.DisplayedCallerId)
        assert (shown.number, shown.name) == ("5550199", "SMITH"), standard


def test_tones_are_recognised_by_frequencies_and_cadence(tmp_path: Path) -> None:
    dial = sine((350.0, 440.0), 1.0, -13)
    busy = np.concatenate([sine((480.0, 620.0), 0.5, -24), np.zeros(4000, np.int16)] * 3)
    data = {
        "DIAL": dial.astype("<i2").tobytes().hex(),
        "BUSY": busy.astype("<i2").tobytes().hex(),
    }
    values = _run(
        tmp_path,
        """
from signals import ToneRecogniser
from data.test_data import BUSY, DIAL

def heard(frequencies, cadence, data):
    return ToneRecogniser(frequencies, cadence).feed(bytes.fromhex(data))

report(
    dial_as_dial=heard([350, 440], [], DIAL),
    busy_as_busy=heard([480, 620], [500, 500], BUSY),
    busy_as_dial=heard([350, 440], [], BUSY),
    dial_as_busy=heard([480, 620], [500, 500], DIAL),
)
""",
        data,
    )
    assert values == {
        "dial_as_dial": True,
        "busy_as_busy": True,
        "busy_as_dial": False,
        "dial_as_busy": False,
    }


def test_protocol_values_with_spaces_and_letters_of_any_script_survive_one_word() -> None:
    for value in ("O'BRIEN & SONS", "Петренко", "100%", "a=b"):
        word = escape(value)
        assert " " not in word and "=" not in word
        assert unescape(word) == value
    words, options = split(f"fxo 1 ring cid=bell202 name={escape('JO ANN')}")
    assert words == ["FXO", "1", "RING"]
    assert options == {"cid": "bell202", "name": "JO ANN"}
