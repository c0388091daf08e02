"""The cheap check that lets caller-ID decoders sleep through an idle line.

An idle exchange line carries only line noise, far below anything a caller-ID decoder can
act on: the FSK carrier detector lets go below `voice.fsk.CARRIER_OFF_DBM0` (−47 dBm0), and
the weakest DTMF caller-ID tone pair accepted is −42 dBm0. A 20 ms chunk whose whole power
is below QUIET_DBM0 cannot start a message, so an idle decoder skips it unanalysed. Chunks
are judged whole, so a long block with a quiet start is not diluted by it.
"""

from __future__ import annotations

import numpy as np

from voice.fsk import CARRIER_OFF_DBM0
from voice.level import dbm0_to_power

QUIET_DBM0 = CARRIER_OFF_DBM0
CHUNK_SAMPLES = 160  # 20 ms: blocks shorter than this are never skipped
_CHUNK_ENERGY_LIMIT = dbm0_to_power(QUIET_DBM0) * CHUNK_SAMPLES


def quiet_samples(samples: np.ndarray) -> int:
    """How many leading samples of `samples` lie in whole chunks quieter than QUIET_DBM0."""
    chunks = samples.size // CHUNK_SAMPLES
    if chunks == 0:
        return 0
    x = np.asarray(samples[: chunks * CHUNK_SAMPLES], dtype=np.float64)
    if chunks == 1:
        return CHUNK_SAMPLES if x.dot(x) < _CHUNK_ENERGY_LIMIT else 0
    blocks = x.reshape(chunks, CHUNK_SAMPLES)
    loud = np.flatnonzero(np.einsum("ij,ij->i", blocks, blocks) >= _CHUNK_ENERGY_LIMIT)
    return (int(loud[0]) if loud.size else chunks) * CHUNK_SAMPLES
