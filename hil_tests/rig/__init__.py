"""The rig a unit is tested through: `open_rig("sim")` or `open_rig("/dev/ttyACM0")`.

See `hil_tests/rig/api.py` for the API and `hil_tests/PROTOCOL.md` for the serial fixture.
"""

from __future__ import annotations

from typing import Any

from hil_tests.rig.api import (
    CallerId,
    ExchangeEmulator,
    LoopReading,
    PhoneEmulator,
    Rig,
    RigError,
    RigTimeout,
    Ringing,
    UnitControl,
)

__all__ = [
    "CallerId",
    "ExchangeEmulator",
    "LoopReading",
    "PhoneEmulator",
    "Rig",
    "RigError",
    "RigTimeout",
    "Ringing",
    "UnitControl",
    "open_rig",
]


def open_rig(where: str, **options: Any) -> Rig:
    """ "sim" for the simulated unit; a serial device path for a fixture."""
    if where == "sim":
        from hil_tests.rig.sim import SimRig

        return SimRig(**options)
    from hil_tests.rig.serial import SerialRig

    return SerialRig(where, **options)
