"""Runs spandsp's fax sender against our receiver, sample for sample."""

from __future__ import annotations

import numpy as np

from tests.voice.fax.spandsp_fax import SpandspFaxSender
from voice.fax.receiver import FaxReceiver, FaxResult

FRAME = 160
MAX_SECONDS = 600


def run_call(sender: SpandspFaxSender, receiver: FaxReceiver) -> FaxResult:
    to_receiver = np.zeros(FRAME, np.int16)
    for _ in range(MAX_SECONDS * 8000 // FRAME):
        sender.receive(receiver.process(to_receiver))
        to_receiver = sender.transmit(FRAME)
        if receiver.done and sender.completion is not None:
            break
    sender.close()
    return receiver.outcome


def matching_fraction(received: np.ndarray, source: np.ndarray) -> float:
    rows = min(received.shape[0], source.shape[0])
    height = max(received.shape[0], source.shape[0])
    same = np.count_nonzero(received[:rows] == source[:rows])
    return same / (height * source.shape[1])
