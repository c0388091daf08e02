"""The shape of audio in the system: the media frame and the PCM highway that carries it.

One home for these numbers, for the drivers and everything above them (the engine imports
them from here). `voice` names its own copies (`voice.level.SAMPLE_RATE_HZ`,
`voice.echo.FRAME_SAMPLES`) because it imports nothing of ours and `drivers` never imports
`voice`; a test keeps the two in agreement.
"""

from __future__ import annotations

from typing import Final

SAMPLE_RATE_HZ: Final = 8000  # G.711 telephony: the PCM frame sync is 8 kHz
FRAME_MS: Final = 20  # one media clock tick
FRAME_SAMPLES: Final = SAMPLE_RATE_HZ * FRAME_MS // 1000  # 160 samples per tick
FRAME_S: Final = FRAME_MS / 1000

PCM_TIMESLOTS: Final = 8  # 512 kHz bit clock / 8 kHz frame sync / 8 bits per timeslot
TIMESLOT_BITS: Final = 8  # one G.711 byte per timeslot
