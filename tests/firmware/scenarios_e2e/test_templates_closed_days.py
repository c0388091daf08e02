"""Each shipped template on the simulated hat on a public holiday of the office's country
(taken from the `holidays` library) and after hours: the caller hears the closed greeting,
no phone rings, and the call's path shows why."""

from __future__ import annotations

import datetime as dt

import holidays
import pytest

from tests.firmware.engine.test_inbound import run_until
from tests.firmware.engine.test_routed_inbound import (
    WEDNESDAY_EVENING,
    appliance_at,
    routed_config,
    steps,
)

TEMPLATES = ("orders_and_support", "personal_managers", "call_centre")


def weekday_public_holiday(country: str, year: int) -> dt.date:
    """A public holiday that falls Monday to Friday, so only the holiday closes the office."""
    days = holidays.country_holidays(country, years=year)
    return next(day for day in sorted(days) if day.weekday() < 5)


def caller_hears_closed_and_no_phone_rings(moment: dt.datetime, template: str) -> list:
    with appliance_at(moment, routed_config(template)) as pbx:
        line = pbx.line(0)
        line.ring("5550100")
        run_until(pbx, line.is_seized, 12)
        pbx.run_for(1.5)
        assert line.hears(1.0).level_dbm0 > -40  # a greeting, not silence
        run_until(pbx, lambda: not line.is_seized(), 90)  # and then the line is let go
        pbx.run_for(2)
        assert not any(pbx.phone(ext).virtual.ring_log for ext in ("101", "102", "103", "104"))
        (row,) = pbx.history()
        assert row["answered_at"] is None or row["end_reason"] != "completed"
        return steps(pbx)


@pytest.mark.parametrize("template", TEMPLATES)
def test_on_a_public_holiday_morning_the_template_greets_closed_and_rings_no_one(template):
    day = weekday_public_holiday("US", 2026)
    path = caller_hears_closed_and_no_phone_rings(
        dt.datetime.combine(day, dt.time(11, 0)), template
    )
    assert path[1] == ("main", "hours", "holiday")
    assert all(operation not in {"greeting", "welcome", "queue"} for _, operation, _ in path)


@pytest.mark.parametrize("template", TEMPLATES)
def test_after_hours_the_template_greets_closed_and_rings_no_one(template):
    path = caller_hears_closed_and_no_phone_rings(WEDNESDAY_EVENING, template)
    assert path[1] == ("main", "hours", "closed")
