"""A fax machine on the fake line: spandsp's sender answers the tap frame for frame."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bench.spandsp_fax import SpandspFaxSender


def fax_machine(
    sender: SpandspFaxSender, hang_up_after_s: float | None = None
) -> Callable[[np.ndarray], np.ndarray]:
    """The caller's side: hears our frame, sends its next one (silence once it hung up)."""
    frames_left = None if hang_up_after_s is None else int(hang_up_after_s * 50)

    def line_audio(heard: np.ndarray) -> np.ndarray:
        nonlocal frames_left
        if frames_left is not None:
            frames_left -= 1
            if frames_left < 0:
                return np.zeros(160, np.int16)
        sender.receive(heard)
        return sender.transmit(160)

    return line_audio


def let_sender_finish(sender: SpandspFaxSender, max_s: float = 5.0) -> None:
    """After our DCN the line is gone; the sender idles a moment before reporting its end."""
    for _ in range(int(max_s * 50)):
        if sender.completion is not None:
            return
        sender.receive(np.zeros(160, np.int16))
        sender.transmit(160)
