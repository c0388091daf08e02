"""What an exchange line is doing, as line supervision and the status page name it."""

from __future__ import annotations

from enum import Enum


class FxoMode(Enum):
    """The states of an FXO line; the values are what status reports show."""

    IDLE = "idle"
    RINGING = "ringing"
    SEIZING = "seizing"
    DIALING = "dialling"
    TALKING = "talking"
    RELEASING = "releasing"
