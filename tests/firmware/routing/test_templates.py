"""The three templates walked through with the fake call control: in office hours, after
hours and on a public holiday."""

import sqlite3

import aio
from firmware.config.defaults import default_config
from firmware.config.document import validate
from firmware.config.templates import load_template
from tests.firmware.routing.conftest import Rig, people, run
from tests.firmware.routing.fake_control import Person, Press

WEDNESDAY = "2026-12-02T11:00"
EVENING = "2026-12-02T20:00"
CHRISTMAS = "2026-12-25T11:00"  # a Friday


def template(name, **extra_routing):
    config = default_config()
    routing = load_template(name, country=config.system.country)
    document = config.model_dump(mode="json")
    document["routing"] = {**routing.model_dump(mode="json"), **extra_routing}
    return validate(document)


def route(config, when=WEDNESDAY, crowd=None, **details):
    async def main():
        return await Rig(config, crowd).inbound(**details)

    return run(main(), when=when)


def test_orders_and_support_in_office_hours():
    config = template("orders_and_support")
    call = route(config, presses=[Press("2", "menu_sales_support")])
    assert call.answered_by == "103"
    assert call.heard_names()[:2] == ["menu_sales_support", "music"]
    call = route(config)  # no key: sales
    assert call.answered_by == "101"


def test_orders_and_support_when_the_team_does_not_answer_goes_to_voicemail():
    config = template("orders_and_support")
    crowd = people(e101=Person(answers_after_s=None), e102=Person(answers_after_s=None))
    call = route(config, crowd=crowd, presses=[Press("1", "menu_sales_support")])
    assert call.heard_names()[-3:] == ["voicemail_greeting", "beep", "hung_up:voicemail"]


def test_orders_and_support_after_hours_and_on_a_holiday_takes_messages():
    config = template("orders_and_support")
    for when in (EVENING, CHRISTMAS):
        call = route(config, when=when)
        assert call.heard_names() == ["office_closed_voicemail", "beep", "hung_up:voicemail"]
    assert dict(route(config, when=CHRISTMAS).exits())["main/hours"] == "holiday"


def test_personal_managers_direct_dialling_and_the_address_book():
    contacts = [{"number": "84957001122", "manager": "104"}]
    config = template("personal_managers", contacts=contacts)
    call = route(config, presses=[Press("103", "welcome_dial_extension")])
    assert call.answered_by == "103"
    call = route(config, caller_number="+74957001122")
    assert call.answered_by == "104"
    assert dict(call.exits())["main/greeting"] == "timeout"


def test_personal_managers_fall_back_to_the_secretaries():
    contacts = [{"number": "84957001122", "manager": "104"}]
    config = template("personal_managers", contacts=contacts)
    away = people(e104=Person(answers_after_s=None))
    call = route(config, crowd=away, caller_number="84957001122")
    assert dict(call.exits())["main/manager"] == "failed"
    assert call.answered_by == "101"
    call = route(config, caller_number="89990000000")  # nobody's client
    assert call.answered_by == "101"
    crowd = people(e103=Person(failed=True))
    call = route(config, crowd=crowd, presses=[Press("103", "welcome_dial_extension")])
    assert call.answered_by == "101"  # the dialled extension failed: secretaries


def test_personal_managers_after_hours_and_on_a_holiday():
    config = template("personal_managers")
    for when in (EVENING, CHRISTMAS):
        call = route(config, when=when)
        assert call.heard_names()[0] == "office_closed_voicemail"


def test_call_centre_deals_calls_in_turn_to_logged_in_agents(tmp_path):
    config = template("call_centre")
    history = tmp_path / "history.db"
    crowd = people(**{f"e{e}": Person(answers_after_s=2, talks_s=30) for e in range(101, 105)})

    async def main():
        rig = Rig(config, crowd, history_db=history)
        for agent in ("101", "102", "103"):
            await rig.runner.agents.log_in(agent)
        calls = []
        for _ in range(6):
            calls.append(await rig.inbound())
            await aio.sleep(60)
        await rig.runner.agents.log_out("103")
        crowd["101"].answers_after_s = None
        crowd["102"].answers_after_s = None
        calls.append(await rig.inbound(patience_s=200))
        return calls

    calls = run(main())
    assert [c.answered_by for c in calls[:6]] == ["101", "102", "103", "101", "102", "103"]
    assert calls[0].heard_names()[:2] == ["welcome", "music"]
    last = calls[-1]
    assert dict(last.exits())["main/queue"] == "no_answer"
    assert last.heard_names()[-2] == "no_one_available"
    (members,) = sqlite3.connect(history).execute("SELECT members FROM missed_calls").fetchone()
    assert '"member": "101"' in members and '"member": "102"' in members


def test_call_centre_is_closed_after_hours_and_on_holidays():
    config = template("call_centre")
    for when in (EVENING, CHRISTMAS):
        call = route(config, when=when)
        assert call.heard_names() == ["office_closed", "hung_up:routed_away"]
