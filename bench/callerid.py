"""Cost of caller-ID reception per channel-second, ours and spandsp's adsi_rx.

Each row decodes a few seconds of line audio in 20 ms frames: a message in the named
standard with line noise around it, or idle line noise alone (what a port's receiver
hears most of the time while it waits for caller ID). The last rows time what an exchange
line's channel does every tick while on-hook before the first ring, caller-ID listening
included, to set beside one DTMF receiver (`python -m bench dtmf`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bench import corpus, spandsp_adsi
from firmware.engine.port_channel import PortChannel
from voice import g711
from voice.callerid import (
    CallerId,
    CallerIdReceiver,
    CallerIdStandard,
    CallTime,
    DtmfCallerIdDecoder,
    FskCallerIdDecoder,
    encode_caller_id,
)

FS = 8000
FRAME = 160
REPEATS = 40  # short runs: many, so the best of each side is a quiet moment
DBM0_POWER = (32768 * 10 ** (-3.14 / 20)) ** 2 / 2
CALLER = CallerId(number="6135551234", name="SMITH JOHN", time=CallTime(11, 30, 14, 5))

SPANDSP_CODE = {
    CallerIdStandard.BELL202: spandsp_adsi.ADSI_STANDARD_CLASS,
    CallerIdStandard.ETSI_FSK: spandsp_adsi.ADSI_STANDARD_CLIP,
    CallerIdStandard.DTMF: spandsp_adsi.ADSI_STANDARD_CLIP_DTMF,
}


def _line(audio: np.ndarray, seconds: float = 3.0, noise_dbm0: float = -50.0) -> np.ndarray:
    rng = np.random.default_rng(1)
    n = round(seconds * FS)
    line = rng.standard_normal(n) * np.sqrt(DBM0_POWER * 10 ** (noise_dbm0 / 10))
    start = FS // 4
    line[start : start + audio.size] += audio[: n - start]
    return np.round(line).astype(np.int16)


Maker = Callable[[], Callable[[np.ndarray], object]]  # builds a block, returns its feed


def _ours(decoder_factory: Callable[[], object]) -> Maker:
    return lambda: decoder_factory().feed  # type: ignore[attr-defined]


def _spandsp(codes: list[int]) -> Maker:
    """spandsp's receivers for `codes`, side by side (spandsp has no auto-detecting one)."""

    def make() -> Callable[[np.ndarray], object]:
        receivers = [spandsp_adsi.AdsiReceiver(code) for code in codes]
        if len(receivers) == 1:
            return receivers[0].feed

        def feed(block: np.ndarray) -> None:
            for receiver in receivers:
                receiver.feed(block)

        return feed

    return make


def _side_by_side(
    decoder_factory: Callable[[], object], codes: list[int], audio: np.ndarray
) -> tuple[float, float | None, float | None]:
    """Ours and spandsp's receivers for `codes` on the same audio (`corpus.beside_spandsp`)."""
    theirs = _spandsp(codes) if spandsp_adsi.available() else None
    return corpus.beside_spandsp(_ours(decoder_factory), theirs, audio, FRAME, REPEATS)


class _IdleExchangeLine:
    """An on-hook exchange line as the FXO channel sees it: G.711 frames of line noise."""

    law: g711.Law = "alaw"
    seized = False

    def __init__(self, audio: np.ndarray) -> None:
        codes = g711.encode(audio, self.law)
        self._frames = [codes[i : i + FRAME].tobytes() for i in range(0, codes.size, FRAME)]
        self._next = 0

    def receive_audio(self) -> bytes:
        frame = self._frames[self._next % len(self._frames)]
        self._next += 1
        return frame

    def send_audio(self, _codes: bytes) -> None:
        """What the unit sends to an idle line goes nowhere."""


def _idle_fxo_line(audio: np.ndarray) -> float:
    """Per channel-second cost of the FXO channel's media tick on an idle, on-hook line."""

    def make() -> Callable[[np.ndarray], object]:
        channel = PortChannel("FXO/1", _IdleExchangeLine(audio), echo_cancel=True)

        def tick(_block: np.ndarray) -> None:
            channel.pull()
            channel.push()

        return tick

    return corpus.side_by_side_us([make], audio, FRAME, REPEATS)[0]


def run() -> list[dict]:
    """Benchmark rows: name, ours_us_per_channel_s, spandsp_us_per_channel_s, note."""
    rows = []
    idle = _line(np.zeros(0, dtype=np.int16))
    for standard in CallerIdStandard:
        message = _line(
            encode_caller_id(
                CALLER if standard is not CallerIdStandard.DTMF else CallerId(number="6135551234"),
                standard,
            )
        )

        def factory(standard: CallerIdStandard = standard) -> object:
            if standard is CallerIdStandard.DTMF:
                return DtmfCallerIdDecoder()
            return FskCallerIdDecoder(standard)

        for label, audio, note in (
            ("message", message, "3 s of line, -50 dBm0 noise, a message at -13 dBm0"),
            ("idle line", idle, "3 s of line, -50 dBm0 noise only"),
        ):
            ours, theirs, c_alone = _side_by_side(factory, [SPANDSP_CODE[standard]], audio)
            rows.append(
                corpus.cost_row(
                    f"caller ID {standard.value} decoder, {label}", ours, theirs, note, c_alone
                )
            )
    dtmf_message = encode_caller_id(CallerId(number="6135551234"), CallerIdStandard.DTMF)
    for label, audio in (
        ("Bell 202 message", _line(encode_caller_id(CALLER, CallerIdStandard.BELL202))),
        ("DTMF message", _line(dtmf_message)),
        ("idle line", idle),
    ):
        ours, theirs, c_alone = _side_by_side(CallerIdReceiver, list(SPANDSP_CODE.values()), audio)
        rows.append(
            corpus.cost_row(
                f"caller ID auto-detecting receiver, {label}",
                ours,
                theirs,
                "Bell 202 + V.23 + DTMF decoders side by side;"
                " spandsp: its three receivers side by side",
                c_alone,
            )
        )
    for noise_dbm0 in (-50, -65):
        rows.append(
            corpus.cost_row(
                f"idle FXO line listening, {noise_dbm0} dBm0 noise",
                _idle_fxo_line(_line(np.zeros(0, dtype=np.int16), noise_dbm0=noise_dbm0)),
                None,
                "on-hook exchange line before the first ring: the channel's whole tick;"
                " compare the DTMF receiver row of `python -m bench dtmf`",
            )
        )
    return rows


def main() -> None:
    corpus.print_rows(run())


if __name__ == "__main__":
    main()
