"""Working hours (holidays, custom days, time zones), PIN, and the operations that end a
call: voicemail, fax, hang-up, go to scenario, the safe ends of unset exits."""

import datetime as dt

from firmware.config.routing import WorkingHours
from firmware.routing.operations.working_hours import decide
from firmware.verbs import EndReason
from tests.firmware.routing.conftest import Rig, config_with, run, scenario
from tests.firmware.routing.fake_control import Press

HOURS = {
    "first": {
        "type": "working_hours",
        "holidays_country": "RU",
        "holidays": ["2026-12-30"],
        "working_days": ["2026-12-05"],
        "exits": {"open": "open", "closed": "closed", "holiday": "holiday"},
    },
    "open": {"type": "hang_up", "prompt": "welcome"},
    "closed": {"type": "hang_up", "prompt": "office_closed"},
    "holiday": {"type": "hang_up", "prompt": "goodbye"},
}


def exit_at(when, timezone="UTC", operations=HOURS, system_timezone="UTC"):
    document = config_with(scenario(operations)).model_dump(mode="json")
    document["system"]["timezone"] = system_timezone
    from firmware.config.document import validate

    config = validate(document)

    async def main():
        return await Rig(config).inbound()

    call = run(main(), when=when, timezone=timezone)
    return dict(call.exits())["main/first"]


def test_working_hours_open_closed_and_holidays():
    assert exit_at("2026-12-02T11:00") == "open"  # a Wednesday
    assert exit_at("2026-12-02T18:30") == "closed"
    assert exit_at("2026-12-06T11:00") == "closed"  # a Sunday
    assert exit_at("2027-01-07T11:00") == "holiday"  # Orthodox Christmas in Russia
    assert exit_at("2026-12-30T11:00") == "holiday"  # the office's own day off
    assert exit_at("2026-12-05T11:00") == "open"  # a working Saturday


def test_working_hours_follow_the_offices_time_zone():
    # 07:30 UTC is 10:30 in Moscow: open there, closed by UTC.
    assert exit_at("2026-12-02T07:30", system_timezone="Europe/Moscow") == "open"
    assert exit_at("2026-12-02T07:30") == "closed"
    operations = dict(HOURS, first=dict(HOURS["first"], timezone="America/New_York"))
    assert exit_at("2026-12-02T07:30", operations=operations) == "closed"
    assert exit_at("2026-12-02T15:30", operations=operations) == "open"


def test_each_supported_country_knows_its_public_holidays():
    days = {
        "RU": dt.date(2027, 1, 7),
        "UA": dt.date(2021, 8, 24),  # days off are suspended under martial law since 2022
        "US": dt.date(2026, 7, 3),  # Independence Day observed on the Friday
        "GB": dt.date(2026, 12, 25),
        "DE": dt.date(2026, 10, 3),
    }
    for country, day in days.items():
        hours = WorkingHours(holidays_country=country)
        noon = dt.datetime.combine(day, dt.time(12))
        assert decide(hours, noon) == "holiday", country


def test_an_unset_holiday_exit_follows_closed():
    operations = dict(HOURS, first=dict(HOURS["first"], exits={"open": "open", "closed": "closed"}))
    assert exit_at("2027-01-07T11:00", operations=operations) == "holiday"

    document = config_with(scenario(operations)).model_dump(mode="json")
    from firmware.config.document import validate

    async def main():
        return await Rig(validate(document)).inbound()

    call = run(main(), when="2027-01-07T11:00")
    assert call.heard_names()[0] == "office_closed"


PIN = {
    "first": {"type": "pin", "codes": ["4711"], "attempts": 2, "exits": {"yes": "in", "no": "out"}},
    "in": {"type": "hang_up", "prompt": "welcome"},
    "out": {"type": "hang_up", "prompt": "goodbye"},
}


def test_pin_right_code_takes_yes():
    config = config_with(scenario(PIN))

    async def main():
        return await Rig(config).inbound(presses=[Press("4711#", "enter_pin")])

    call = run(main())
    assert dict(call.exits())["main/first"] == "yes"


def test_pin_code_ended_by_a_pause_and_wrong_codes_up_to_the_limit_take_no():
    config = config_with(scenario(PIN))

    async def main():
        presses = [Press("1234", "enter_pin"), Press("9", "enter_pin")]
        return await Rig(config).inbound(presses=presses)

    call = run(main())
    assert call.heard_names()[:4] == ["enter_pin", "pin_wrong", "enter_pin", "goodbye"]
    assert dict(call.exits())["main/first"] == "no"


def test_voicemail_answers_greets_beeps_and_ends():
    config = config_with(scenario({"first": {"type": "voicemail", "box": "102"}}))

    async def main():
        return await Rig(config).inbound()

    call = run(main())
    assert call.system_answered
    assert call.heard_names() == ["voicemail_greeting", "beep", "hung_up:voicemail"]
    assert call.end_reason == EndReason.VOICEMAIL


def test_fax_reception_answers_and_ends():
    config = config_with(scenario({"first": {"type": "fax"}}))

    async def main():
        return await Rig(config).inbound()

    call = run(main())
    assert call.heard_names() == ["fax_reception", "hung_up:fax"]


def test_hang_up_with_busy_tone():
    config = config_with(scenario({"first": {"type": "hang_up", "play": "busy_tone"}}))

    async def main():
        return await Rig(config).inbound()

    call = run(main())
    assert call.heard_names() == ["tone:busy", "hung_up:routed_away"]
    assert not call.system_answered


def test_go_to_scenario_starts_the_other_one_and_a_second_visit_counts_as_re_entered():
    routing = {
        "scenarios": [
            {
                "id": "main",
                "start": "menu",
                "operations": {
                    "menu": {"type": "menu", "keys": {"9": "again", "1": "jump"}},
                    "again": {"type": "go_to_scenario", "scenario": "main"},
                    "jump": {"type": "go_to_scenario", "scenario": "other"},
                },
            },
            {"id": "other", "start": "bye", "operations": {"bye": {"type": "fax"}}},
        ],
        "inbound": {"default_scenario": "main"},
    }
    config = config_with(routing)

    async def main():
        return await Rig(config).inbound(presses=[Press("9", "menu"), Press("1", "menu")])

    call = run(main())
    assert call.steps == [
        ("main/", "entered"),
        ("main/menu", "9"),
        ("main/again", "go"),
        ("main/", "re_entered"),
        ("main/menu", "1"),
        ("main/jump", "go"),
        ("other/", "entered"),
        ("other/bye", "finished"),
    ]


def test_unset_exits_end_with_a_clear_announcement_never_silence():
    config = config_with(scenario({"first": {"type": "pin", "codes": ["1"], "attempts": 1}}))

    async def main():
        return await Rig(config).inbound()

    call = run(main())
    assert call.heard_names()[-2:] == ["no_one_available", "hung_up:unavailable"]
    assert call.steps[-1] == ("main/safe_end", "finished")
