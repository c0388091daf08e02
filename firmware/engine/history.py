"""What history keeps of a call: the engine's record of it and of each leg.

`firmware.engine.calls.CallManager` fills these in as a call progresses and hands the
finished record to `firmware.storage.history.HistoryWriter`, which stores it in SQLite.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class LegRecord:
    channel: str
    party: str
    role: str
    started_at: float
    answered_at: float | None = None
    ended_at: float | None = None
    end_reason: str = ""


@dataclass
class CallRecord:
    call_id: str
    direction: str
    from_number: str
    to_number: str
    started_at: float
    from_name: str = ""
    line_port: int | None = None
    answered_at: float | None = None
    ended_at: float | None = None
    end_reason: str = ""
    hung_up_by: str = ""
    legs: list[LegRecord] = field(default_factory=list)

    @property
    def ring_s(self) -> float:
        until = self.answered_at if self.answered_at is not None else self.ended_at
        return max(0.0, (until or self.started_at) - self.started_at)

    @property
    def talk_s(self) -> float:
        if self.answered_at is None or self.ended_at is None:
            return 0.0
        return max(0.0, self.ended_at - self.answered_at)
