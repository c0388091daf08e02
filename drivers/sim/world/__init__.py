"""The simulated analog world: virtual telephones and virtual exchange lines.

They attach to the analog boundary of the simulated hat (`drivers.sim.analog`): a
`VirtualPhone` on each FXS loop, a `VirtualExchangeLine` on each FXO line. Their signal
generators and decoders are written independently of `voice/`, so tests that pass audio
through the product check it against a separate implementation.
"""

from drivers.sim.world.analysis import Hearing
from drivers.sim.world.cid_format import DisplayedCallerId, MessageWaiting
from drivers.sim.world.exchange import LineState, VirtualExchangeLine
from drivers.sim.world.phone import RingInterval, VirtualPhone
from drivers.sim.world.signals import ToneSpec, ToneSpecLike

__all__ = [
    "DisplayedCallerId",
    "Hearing",
    "LineState",
    "MessageWaiting",
    "RingInterval",
    "ToneSpec",
    "ToneSpecLike",
    "VirtualExchangeLine",
    "VirtualPhone",
]
