"""Weekly schedules and date ranges: office hours, an employee's own hours, absences."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from firmware.config.strict import StrictModel

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-4]):([0-5][0-9])$")


def _time_range(value: str) -> str:
    match = _RANGE.match(value)
    if not match:
        raise ValueError(f"{value!r} must be a time range like 09:00-18:00")
    start = int(match.group(1)) * 60 + int(match.group(2))
    end = int(match.group(3)) * 60 + int(match.group(4))
    if end > 24 * 60 or end <= start:
        raise ValueError(f"{value!r} must end after it starts, on the same day (at most 24:00)")
    return value


TimeRange = Annotated[str, AfterValidator(_time_range)]


def minutes_of(time_range: str) -> tuple[int, int]:
    """The range as minutes since midnight: "09:00-18:00" → (540, 1080)."""
    start, end = time_range.split("-")
    return _minutes(start), _minutes(end)


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


class WeeklySchedule(StrictModel):
    """Hours per weekday; a day that is not listed is closed all day."""

    mon: list[TimeRange] = Field(default_factory=lambda: ["09:00-18:00"])
    tue: list[TimeRange] = Field(default_factory=lambda: ["09:00-18:00"])
    wed: list[TimeRange] = Field(default_factory=lambda: ["09:00-18:00"])
    thu: list[TimeRange] = Field(default_factory=lambda: ["09:00-18:00"])
    fri: list[TimeRange] = Field(default_factory=lambda: ["09:00-18:00"])
    sat: list[TimeRange] = Field(default_factory=list)
    sun: list[TimeRange] = Field(default_factory=list)

    def ranges_on(self, weekday: int) -> list[str]:
        """The ranges of a `datetime.weekday()` (0 is Monday)."""
        ranges: list[str] = getattr(self, WEEKDAYS[weekday])
        return ranges

    def is_open_at(self, moment: dt.datetime) -> bool:
        minute = moment.hour * 60 + moment.minute
        return any(
            start <= minute < end
            for start, end in map(minutes_of, self.ranges_on(moment.weekday()))
        )


class DateRange(StrictModel):
    """Whole days from `first` to `last` inclusive (a vacation, a sick leave, a holiday)."""

    first: dt.date
    last: dt.date
    reason: Literal["vacation", "sick_leave", "other"] = "other"

    @model_validator(mode="after")
    def _ordered(self) -> DateRange:
        if self.last < self.first:
            raise ValueError(f"ends ({self.last}) before it starts ({self.first})")
        return self

    def covers(self, day: dt.date) -> bool:
        return self.first <= day <= self.last
