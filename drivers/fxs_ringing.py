"""Ring cadence and caller-ID timing of an FXS port, as one task per ringing request.

The ProSLIC has no cadence of its own in our use: software switches the linefeed between
RINGING and on-hook transmission on an absolute schedule (so the set-and-confirm time of
each switch does not stretch the cadence), and plays caller-ID audio in the silence after
the first ring or before it:

- after the first ring: ring (the whole first cycle of the cadence, so a double ring is not
  split), then `delay_ms` into the silence play the samples; if they do not fit, the
  silence is stretched so the next ring starts `CID_TO_RING_MS` after them;
- before the first ring: the alert (`polarity_reversal` reverses the idle polarity,
  `ring_pulse` gives a short ring burst, `dt_as` expects the dual-tone alert at the start of
  the samples, `none` nothing), `delay_ms` of on-hook transmission, the samples,
  `CID_TO_RING_MS`, polarity back to normal, then the cadence.

Caller-ID samples go out as G.711 frames of the port's law (`caller_id_frames`, ITU-T G.711
with G.191's one's-complement rounding of negative samples), queued a couple of frames
ahead of the PCM highway (`play_frames`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import numpy as np

import aio
from drivers.frames import FRAME_S, FRAME_SAMPLES
from drivers.pcm import PcmSlot, idle_byte

CID_TO_RING_MS = 250  # silence between the end of caller-ID data and the next ring
RING_PULSE_ALERT_MS = 250  # the short ring burst of a ring-pulse alert
CALLER_ID_TIMINGS = ("after_first_ring", "before_first_ring")
CALLER_ID_ALERTS = ("none", "polarity_reversal", "dt_as", "ring_pulse")
CID_PREFILL_FRAMES = 2  # frames queued ahead of the highway while playing (absorbs jitter)
ULAW_BIAS = 33  # on the 14-bit magnitude
ULAW_CLIP = 0x1FFF - ULAW_BIAS


@dataclass(frozen=True)
class RingPlan:
    cadence_ms: tuple[int, ...]  # on, off, on, off, …
    caller_id: tuple[bytes, ...] = ()  # G.711 frames for the line
    caller_id_timing: str = "after_first_ring"
    caller_id_delay_ms: int = 500
    alert: str = "none"

    def __post_init__(self) -> None:
        cadence = self.cadence_ms
        if not cadence or len(cadence) % 2:
            raise ValueError(
                f"a ring cadence alternates on and off times (an even count), got {list(cadence)}"
            )
        if any(ms <= 0 for ms in cadence):
            raise ValueError(f"ring cadence times must be positive, got {list(cadence)}")
        if self.caller_id_timing not in CALLER_ID_TIMINGS:
            raise ValueError(
                f"unknown caller-ID timing {self.caller_id_timing!r}: use "
                + " or ".join(CALLER_ID_TIMINGS)
            )
        if self.alert not in CALLER_ID_ALERTS:
            raise ValueError(
                f"unknown caller-ID alert {self.alert!r}: use one of " + ", ".join(CALLER_ID_ALERTS)
            )
        if self.caller_id_delay_ms < 0:
            raise ValueError("caller_id_delay_ms must not be negative")


class RingLine:
    """What a ring plan needs from the port: linefeed switching and on-hook audio."""

    def __init__(
        self,
        ring: Callable[[], Awaitable[object]],
        silence: Callable[[bool], Awaitable[object]],
        play: Callable[[Sequence[bytes]], Awaitable[None]],
    ) -> None:
        self.ring = ring  # linefeed to RINGING
        self.silence = silence  # linefeed to on-hook transmission; True: reversed polarity
        self.play = play  # caller-ID frames onto the line; returns when they have gone out


class _Clock:
    """An absolute schedule in ms, so each step's own duration does not add drift."""

    def __init__(self) -> None:
        self.mark = aio.monotonic()

    async def wait(self, ms: float) -> None:
        self.mark += ms / 1000
        remaining = self.mark - aio.monotonic()
        if remaining > 0:
            await aio.sleep(remaining)


async def run_ring_plan(plan: RingPlan, line: RingLine) -> None:
    """Ring until cancelled (the port cancels it on answer, stop or failure)."""
    clock = _Clock()
    caller_id = plan.caller_id
    if caller_id and plan.caller_id_timing == "before_first_ring":
        reversed_alert = plan.alert == "polarity_reversal"
        if plan.alert == "ring_pulse":
            await line.ring()
            await clock.wait(RING_PULSE_ALERT_MS)
        await line.silence(reversed_alert)
        await clock.wait(plan.caller_id_delay_ms)
        await line.play(caller_id)
        clock.mark = aio.monotonic()
        await clock.wait(CID_TO_RING_MS)
        if reversed_alert:
            await line.silence(False)
        caller_id = ()
    cadence = plan.cadence_ms
    clock.mark = aio.monotonic()  # the cadence is timed from its first ring
    bursts = list(zip(cadence[::2], cadence[1::2], strict=True))
    while True:
        for burst, (on_ms, off_ms) in enumerate(bursts):
            await line.ring()
            await clock.wait(on_ms)
            await line.silence(False)
            if caller_id and burst == len(bursts) - 1:
                silence_start = clock.mark
                await clock.wait(plan.caller_id_delay_ms)
                await line.play(caller_id)
                caller_id = ()
                used_ms = (aio.monotonic() - silence_start) * 1000
                clock.mark = silence_start
                off_ms = max(off_ms, round(used_ms) + CID_TO_RING_MS)
            await clock.wait(off_ms)


def g711_encode(samples: np.ndarray, law: str) -> bytes:
    """int16 samples to G.711 `law` codes (segment search on the 14/13-bit magnitude).

    The port needs only this one direction, for caller-ID audio it puts on the line.
    """
    x = np.clip(np.asarray(samples, dtype=np.int32), -32768, 32767)
    negative = x < 0
    if law == "ulaw":
        magnitude = np.minimum(np.where(negative, -1 - x, x) >> 2, ULAW_CLIP) + ULAW_BIAS
        segment = np.frexp(magnitude.astype(np.float64))[1].astype(np.int32) - 6
        step = (magnitude >> (segment + 1)) & 0x0F
        code = (negative.astype(np.int32) << 7) | (segment << 4) | step
        return (~code & 0xFF).astype(np.uint8).tobytes()
    if law == "alaw":
        magnitude = np.where(negative, -1 - x, x) >> 3
        exponent = np.frexp(np.maximum(magnitude, 1).astype(np.float64))[1].astype(np.int32)
        segment = np.clip(exponent - 5, 0, 7)
        step = np.where(segment == 0, magnitude >> 1, magnitude >> segment) & 0x0F
        code = ((~negative).astype(np.int32) << 7) | (segment << 4) | step
        return (code ^ 0x55).astype(np.uint8).tobytes()
    raise ValueError(f"unknown G.711 law {law!r}: use 'ulaw' or 'alaw'")


def caller_id_frames(samples: np.ndarray, law: str) -> tuple[bytes, ...]:
    """int16 caller-ID samples as whole G.711 frames of `law`, the last padded with silence."""
    if not len(samples):
        return ()
    codes = g711_encode(samples, law)
    padding = (-len(codes)) % FRAME_SAMPLES
    codes += bytes([idle_byte(law)]) * padding
    return tuple(codes[i : i + FRAME_SAMPLES] for i in range(0, len(codes), FRAME_SAMPLES))


async def play_frames(slot: PcmSlot, frames: Sequence[bytes]) -> None:
    """Queue `frames` at the PCM rate, a couple ahead of the highway; return once sent.

    The highway takes one frame per 20 ms block; keeping `CID_PREFILL_FRAMES` queued
    means neither an early nor a late wake-up of this task starves or overflows the slot.
    """
    start = aio.monotonic()
    for number, frame in enumerate(frames):
        due = start + max(0, number - CID_PREFILL_FRAMES + 1) * FRAME_S
        if (wait_s := due - aio.monotonic()) > 0:
            await aio.sleep(wait_s)
        slot.send(frame)
    drained = start + (len(frames) + 1) * FRAME_S
    if (wait_s := drained - aio.monotonic()) > 0:
        await aio.sleep(wait_s)
