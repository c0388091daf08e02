"""The extension operation (hours, absences, DND, devices) and inbound routes (line,
number, default, blacklist, VIP, caller prefix)."""

from firmware.verbs import EndReason
from tests.firmware.routing.conftest import Rig, config_with, people, run, scenario
from tests.firmware.routing.fake_control import Person

EXTENSION = {
    "first": {"type": "extension", "extension": "102", "exits": {"failed": "fallback"}},
    "fallback": {"type": "hang_up", "prompt": "employee_unavailable"},
}


def route(config, crowd=None, when="2026-12-02T11:00", **details):
    async def main():
        return await Rig(config, crowd).inbound(**details)

    return run(main(), when=when)


def test_extension_rings_the_employee_who_answers():
    call = route(config_with(scenario(EXTENSION)))
    assert call.answered_by == "102"
    assert call.heard_names() == ["ringback", "talking:102"]
    assert not call.system_answered  # the line is answered by the person, not by us


def test_extension_not_answering_busy_or_failed_takes_failed():
    for person in (Person(answers_after_s=None), Person(busy=True), Person(failed=True)):
        call = route(config_with(scenario(EXTENSION)), people(e102=person))
        assert dict(call.exits())["main/first"] == "failed"
        assert call.heard_names()[-2] == "employee_unavailable"


def test_extension_skips_an_employee_on_dnd_absent_or_off_their_hours():
    settings = [
        {"absences": [{"first": "2026-12-01", "last": "2026-12-10", "reason": "vacation"}]},
        {"schedule": {"mon": ["14:00-18:00"], "wed": ["14:00-18:00"]}},
    ]
    for calls in settings:
        call = route(config_with(scenario(EXTENSION), e102=calls))
        assert dict(call.exits())["main/first"] == "failed"
        assert "ringback" not in call.heard_names()
    document = config_with(scenario(EXTENSION)).model_dump(mode="json")
    document["employees"][1]["do_not_disturb"] = True
    from firmware.config.document import validate

    call = route(validate(document))
    assert dict(call.exits())["main/first"] == "failed"


def test_extension_without_a_dialled_number_takes_wrong_number():
    # "the extension the caller dialled" reached without dialling anything
    operations = {
        "first": {"type": "extension", "exits": {"wrong_number": "bye"}},
        "bye": {"type": "hang_up", "prompt": "goodbye"},
    }
    call = route(config_with(scenario(operations)))
    assert dict(call.exits())["main/first"] == "wrong_number"
    assert call.heard_names()[0] == "goodbye"


def test_devices_ring_in_order_desk_phone_then_mobile():
    calls = {"ring": "in_order", "device_answer_s": 10, "external_numbers": ["89161112233"]}
    crowd = people(e102=Person(answers_after_s=None))
    crowd["89161112233"] = Person(answers_after_s=4)
    config = config_with(scenario(EXTENSION), e102=calls)

    async def main():
        rig = Rig(config, crowd)
        call = await rig.inbound()
        return call

    call = run(main())
    assert call.heard[-1] == (14.0, "talking:102")  # 10 s on the desk phone, 4 s on the mobile


LINES = {
    "scenarios": [
        {"id": "day", "start": "a", "operations": {"a": {"type": "hang_up", "prompt": "welcome"}}},
        {"id": "sales", "start": "a", "operations": {"a": {"type": "hang_up", "prompt": "menu"}}},
        {"id": "vip", "start": "a", "operations": {"a": {"type": "hang_up", "prompt": "goodbye"}}},
        {"id": "fax", "start": "a", "operations": {"a": {"type": "fax"}}},
    ],
    "inbound": {
        "routes": [
            {"line": 5, "scenario": "sales"},
            {"number": "4957654321", "scenario": "fax"},
        ],
        "default_scenario": "day",
        "blacklist": ["8800555"],
        "vip": [{"number": "+7916", "extension": "104"}],
        "by_caller_prefix": [{"prefix": "8812", "scenario": "vip"}],
    },
}


def first_prompt(config, crowd=None, **details):
    return route(config, crowd, **details).heard_names()[0]


def test_inbound_routes_by_line_number_prefix_and_default():
    config = config_with(LINES)
    assert first_prompt(config, line="FXO/4") == "welcome"  # default route
    assert first_prompt(config, line="FXO/5") == "menu"
    assert first_prompt(config, line="FXO/5", dialled="+7 495 765-43-21") == "fax_reception"
    assert first_prompt(config, line="FXO/5", caller_number="88121234567") == "goodbye"


def test_blacklisted_callers_hear_busy_or_a_message():
    config = config_with(LINES)
    call = route(config, caller_number="88005551234")
    assert call.heard_names() == ["tone:busy", "hung_up:blacklisted"]
    assert call.end_reason == EndReason.BLACKLISTED
    document = config.model_dump(mode="json")
    document["routing"]["inbound"]["blacklist_answer"] = "message"
    from firmware.config.document import validate

    call = route(validate(document), caller_number="88005551234")
    assert call.heard_names() == ["blacklisted", "hung_up:blacklisted"]


def test_a_vip_goes_straight_to_their_extension_and_on_to_the_scenario_if_unanswered():
    config = config_with(LINES)
    call = route(config, caller_number="+79161234567")
    assert call.answered_by == "104"
    call = route(config, people(e104=Person(answers_after_s=None)), caller_number="+79161234567")
    assert call.heard_names()[-2] == "welcome"


def test_a_line_with_no_route_and_no_default_hears_a_clear_announcement():
    routing = dict(LINES, inbound={"routes": [{"line": 5, "scenario": "sales"}]})
    call = route(config_with(routing), line="FXO/4")
    assert call.heard_names() == ["no_one_available", "hung_up:unavailable"]
