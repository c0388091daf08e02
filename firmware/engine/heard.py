"""What the engine's receivers hear in a port's audio during the media tick.

The tick only posts these to the engine's event queue, beside the port events the chips
report; the dispatcher hands them to line supervision on the event loop, so no dial plan,
call placement or call ending runs inside the tick.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any


class HeardKind(Enum):
    DTMF = "dtmf"  # a key (value: the digit)
    CALLER_ID = "caller_id"  # a caller-ID message decoded on an exchange line (value: CallerId)
    TONE = "tone"  # a call-progress tone recognised on an exchange line (value: its name)


@dataclass(frozen=True)
class Heard:
    port: int
    kind: HeardKind
    value: Any
