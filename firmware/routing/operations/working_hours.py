"""Working hours: the weekly schedule in the office's time zone, public holidays of the
country and the office's own days off and working days → `open` / `closed` / `holiday`."""

from __future__ import annotations

import datetime as dt
from functools import cache

import holidays

import aio
from firmware.config.calendar import WEEKDAYS, minutes_of
from firmware.config.routing import WorkingHours
from firmware.routing.walk import Walk


@cache
def _public_holidays(country: str, year: int) -> holidays.HolidayBase:
    return holidays.country_holidays(country, years=year)


def is_public_holiday(country: str | None, day: dt.date) -> bool:
    return country is not None and day in _public_holidays(country, day.year)


def decide(operation: WorkingHours, now: dt.datetime) -> str:
    day = now.date()
    schedule = operation.schedule
    minute = now.hour * 60 + now.minute
    if day in operation.working_days:
        # A working Saturday keeps the hours of an ordinary working day.
        ranges = schedule.ranges_on(day.weekday()) or next(
            (getattr(schedule, name) for name in WEEKDAYS if getattr(schedule, name)), []
        )
        open_now = any(start <= minute < end for start, end in map(minutes_of, ranges))
        return "open" if open_now else "closed"
    if day in operation.holidays or is_public_holiday(operation.holidays_country, day):
        return "holiday"
    return "open" if schedule.is_open_at(now) else "closed"


async def run(operation: WorkingHours, walk: Walk) -> str:
    return decide(operation, walk.plan.local_time(aio.wall_time(), operation.timezone))
