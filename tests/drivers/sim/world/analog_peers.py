"""Stand-ins for the emulated chips at the analog boundary, driven by the tests.

`pump_slic` does what an SLIC emulator does with an FxsLoop each 20 ms PCM block (capture
the phone while the loop carries audio, always hand the phone what the line carries);
`pump_daa` does what a DAA emulator does with a TelephoneLine. Audio the test plays is a
stream indexed by block, so it is lost while the line does not carry it, as on a real line.
"""

from __future__ import annotations

import numpy as np

import aio
from drivers.sim.analog import FxsLoop, TelephoneLine

BLOCK = 160
BLOCK_MS = 20


def _block(stream: np.ndarray | None, index: int) -> np.ndarray:
    if stream is None:
        return np.zeros(BLOCK, dtype=np.int16)
    chunk = stream[index * BLOCK : (index + 1) * BLOCK]
    return np.pad(chunk, (0, BLOCK - len(chunk))).astype(np.int16)


async def pump_slic(loop: FxsLoop, seconds: float, play: np.ndarray | None = None) -> np.ndarray:
    """Run the loop's audio for `seconds`; returns what was captured from the phone."""
    captured = []
    for index in range(round(seconds * 1000 / BLOCK_MS)):
        await aio.sleep_ms(BLOCK_MS)
        carries = loop.loop_closed or loop.linefeed.carries_audio_on_hook
        captured.append(loop.phone_source(BLOCK) if loop.loop_closed else np.zeros(BLOCK, np.int16))
        if loop.phone_sink is not None:
            loop.phone_sink(_block(play, index) if carries else np.zeros(BLOCK, np.int16))
    return np.concatenate(captured) if captured else np.zeros(0, np.int16)


async def pump_daa(
    line: TelephoneLine, seconds: float, send: np.ndarray | None = None, *, monitor: bool = True
) -> np.ndarray:
    """Run the line's audio for `seconds`; returns what the DAA captured."""
    captured = []
    for index in range(round(seconds * 1000 / BLOCK_MS)):
        await aio.sleep_ms(BLOCK_MS)
        if line.off_hook or monitor:
            captured.append(line.exchange_source(BLOCK))
        else:
            captured.append(np.zeros(BLOCK, np.int16))
        if line.exchange_sink is not None:
            line.exchange_sink(_block(send, index) if line.off_hook else np.zeros(BLOCK, np.int16))
    return np.concatenate(captured) if captured else np.zeros(0, np.int16)


def tone(frequencies: tuple[float, ...], level_dbm0: float, seconds: float) -> np.ndarray:
    """A steady sum of sines generated independently of the world's generators."""
    t = np.arange(round(seconds * 8000)) / 8000
    peak = 32768 * 10 ** (-3.14 / 20) * 10 ** (level_dbm0 / 20)
    return np.round(sum(peak * np.sin(2 * np.pi * f * t + 0.3) for f in frequencies)).astype(
        np.int16
    )


def component_dbm0(samples: np.ndarray, frequency: float) -> float:
    """Level of one component by least-squares fit of a sine and cosine (independent of
    the world's spectrum code)."""
    t = np.arange(len(samples)) / 8000
    basis = np.stack((np.sin(2 * np.pi * frequency * t), np.cos(2 * np.pi * frequency * t)), 1)
    coefficients, *_ = np.linalg.lstsq(basis, samples.astype(np.float64), rcond=None)
    amplitude = float(np.hypot(*coefficients))
    return 20 * np.log10(max(amplitude, 1e-9) / (32768 * 10 ** (-3.14 / 20)))
