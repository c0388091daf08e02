"""The routing section: each validation rule as `path: reason`, templates, the migration
of schema-1 documents whose lines ring a fixed list of extensions."""

import pytest
import yaml

from firmware.config import ConfigError
from firmware.config.defaults import default_config
from firmware.config.document import dump, parse, validate
from firmware.config.routing_checks import routing_warnings
from firmware.config.templates import UnknownTemplate, load_template, template_names


def document_with(routing):
    document = default_config().model_dump(mode="json")
    document["routing"] = routing
    return document


def problems(document):
    with pytest.raises(ConfigError) as refused:
        validate(document)
    return [str(error) for error in refused.value.errors]


def scenario(operations, start="first", **extra):
    return {"id": "main", "start": start, "operations": operations, **extra}


def test_every_template_is_valid_and_has_no_unreachable_operation():
    for name in template_names():
        config = default_config().model_copy(update={"routing": load_template(name)})
        checked = parse(dump(config))
        assert checked.routing.scenarios
        assert routing_warnings(checked) == []


def test_an_unknown_template_is_named_with_the_choices():
    with pytest.raises(UnknownTemplate, match="orders_and_support"):
        load_template("pizza")


def test_a_template_takes_the_holidays_of_the_system_country():
    routing = load_template("orders_and_support", country="DE")
    assert routing.scenarios[0].operations["hours"].holidays_country == "DE"
    routing = load_template("orders_and_support", country="FR")
    assert routing.scenarios[0].operations["hours"].holidays_country is None


def test_an_exit_to_an_operation_that_does_not_exist_is_refused():
    document = document_with(
        {"scenarios": [scenario({"first": {"type": "announcement", "exits": {"next": "gone"}}})]}
    )
    assert problems(document) == [
        "routing.scenarios[0].operations.first.exits.next: operation 'gone' does not exist"
    ]


def test_a_menu_key_to_a_missing_operation_and_a_bad_start_are_refused():
    document = document_with(
        {"scenarios": [scenario({"menu": {"type": "menu", "keys": {"1": "sales"}}}, start="x")]}
    )
    assert problems(document) == [
        "routing.scenarios[0].start: operation 'x' does not exist",
        "routing.scenarios[0].operations.menu.keys.1: operation 'sales' does not exist",
    ]


def test_an_exit_the_operation_does_not_have_is_refused_with_the_ones_it_has():
    document = document_with(
        {"scenarios": [scenario({"first": {"type": "pin", "codes": ["12"], "exits": {"ok": "x"}}})]}
    )
    (problem,) = problems(document)
    assert problem.startswith("routing.scenarios[0].operations.first.pin.exits: ")
    assert "'ok' is not an exit of this operation (exits: yes, no)" in problem


def test_references_to_missing_centres_extensions_and_scenarios_are_refused():
    operations = {
        "first": {"type": "call_centre", "call_centre": "nobody", "exits": {"no_answer": "ext"}},
        "ext": {"type": "extension", "extension": "999", "exits": {"failed": "manager"}},
        "manager": {
            "type": "personal_manager",
            "sources": ["address_book", "crm"],
            "exclusions": ["998"],
            "exits": {"failed": "jump"},
        },
        "jump": {"type": "go_to_scenario", "scenario": "elsewhere"},
    }
    document = document_with({"scenarios": [scenario(operations)]})
    where = "routing.scenarios[0].operations"
    assert problems(document) == [
        f"{where}.first.call_centre: call centre nobody does not exist",
        f"{where}.ext.extension: extension 999 does not exist",
        f"{where}.manager.exclusions[0]: extension 998 does not exist",
        f"{where}.manager.crm: the crm source needs a web hook",
        f"{where}.jump.scenario: scenario elsewhere does not exist",
    ]


def test_call_centre_members_routes_vips_and_contacts_must_exist():
    document = document_with(
        {
            "scenarios": [scenario({"first": {"type": "hang_up"}})],
            "call_centres": [{"id": "sales", "members": [{"extension": "555"}]}],
            "inbound": {
                "routes": [{"line": 0, "scenario": "main"}, {"line": 4, "scenario": "night"}],
                "default_scenario": "day",
                "vip": [{"number": "8495", "extension": "777"}],
                "by_caller_prefix": [{"prefix": "8800", "scenario": "free"}],
            },
            "contacts": [{"number": "84951234567", "manager": "666"}],
        }
    )
    assert problems(document) == [
        "routing.call_centres[0].members[0].extension: extension 555 does not exist",
        "routing.inbound.routes[0].line: port 0 is not an FXO line of the hat",
        "routing.inbound.routes[1].scenario: scenario night does not exist",
        "routing.inbound.default_scenario: scenario day does not exist",
        "routing.inbound.by_caller_prefix[0].scenario: scenario free does not exist",
        "routing.inbound.vip[0].extension: extension 777 does not exist",
        "routing.contacts[0].manager: extension 666 does not exist",
    ]


def test_a_forwarding_target_must_be_an_extension_or_a_call_centre():
    document = default_config().model_dump(mode="json")
    rule = {"action": "forward", "target": "cc:nowhere"}
    document["employees"][0]["calls"]["forwarding"]["busy"] = rule
    assert problems(document) == [
        "employees[0].calls.forwarding.busy.target: 'cc:nowhere' is neither an extension nor "
        "a call centre (cc:<id>)"
    ]
    document["employees"][0]["calls"]["forwarding"]["busy"] = {"action": "forward"}
    (problem,) = problems(document)
    assert "forward needs a target" in problem


def test_a_cycle_of_time_checks_and_jumps_the_caller_never_hears_anything_in_is_refused():
    loop = {
        "id": "loop",
        "start": "check",
        "operations": {
            "check": {"type": "working_hours", "exits": {"open": "jump", "closed": "jump"}},
            "jump": {"type": "go_to_scenario", "scenario": "other"},
        },
    }
    other = {
        "id": "other",
        "start": "back",
        "operations": {"back": {"type": "go_to_scenario", "scenario": "loop"}},
    }
    (problem,) = problems(document_with({"scenarios": [loop, other]}))
    assert problem.startswith("routing.scenarios[0].operations.check: goes round a cycle")
    assert "loop/check → loop/jump → other/back → loop/check" in problem


def test_a_cycle_through_a_menu_is_allowed():
    operations = {
        "first": {"type": "menu", "keys": {"1": "hours"}},
        "hours": {"type": "working_hours", "exits": {"open": "first", "closed": "first"}},
    }
    validate(document_with({"scenarios": [scenario(operations)]}))


def test_an_answered_exit_leads_nowhere():
    operations = {
        "first": {"type": "call_centre", "call_centre": "sales", "exits": {"answered": "bye"}},
        "bye": {"type": "hang_up"},
    }
    document = document_with(
        {"scenarios": [scenario(operations)], "call_centres": [{"id": "sales"}]}
    )
    assert problems(document) == [
        "routing.scenarios[0].operations.first.exits.answered: an answered call belongs to "
        "the people talking: nothing follows it"
    ]


def test_duplicate_ids_are_refused():
    document = document_with(
        {
            "scenarios": [scenario({"first": {"type": "hang_up"}})] * 2,
            "call_centres": [{"id": "sales"}, {"id": "sales"}],
        }
    )
    assert problems(document) == [
        "routing.scenarios[1].id: main is already used",
        "routing.call_centres[1].id: sales is already used",
    ]


def test_an_operation_no_exit_leads_to_is_a_warning_not_an_error():
    operations = {"first": {"type": "hang_up"}, "orphan": {"type": "announcement"}}
    config = validate(document_with({"scenarios": [scenario(operations)]}))
    assert [str(w) for w in routing_warnings(config)] == [
        "routing.scenarios[0].operations.orphan: no exit leads here: no call can reach this "
        "operation"
    ]


def test_bad_times_and_dates_are_explained():
    hours = {"type": "working_hours", "schedule": {"mon": ["18:00-09:00"]}, "timezone": "Mars/X"}
    document = document_with({"scenarios": [scenario({"first": hours})]})
    found = problems(document)
    assert any("'18:00-09:00' must end after it starts" in problem for problem in found)
    assert any("unknown time zone 'Mars/X'" in problem for problem in found)


SCHEMA_1 = """
schema_version: 1
system: {name: Old office, country: RU, timezone: Europe/Moscow, language: ru}
hat:
  ports:
    - {kind: fxs, port: 0}
    - {kind: fxs, port: 1}
    - {kind: fxo, port: 4, label: City line, inbound: ["101", "102"]}
    - {kind: fxo, port: 5, inbound: []}
employees:
  - {extension: "101", name: Anna, fxs_ports: [0]}
  - {extension: "102", name: Boris, fxs_ports: [1]}
"""


def test_a_schema_1_document_migrates_its_line_lists_into_a_ringing_scenario():
    config = parse(SCHEMA_1)
    assert config.schema_version == 2
    (route,) = config.routing.inbound.routes
    assert (route.line, route.scenario) == (4, "line-4")
    (centre,) = config.routing.call_centres
    assert [m.extension for m in centre.members] == ["101", "102"]
    assert centre.strategy == "ring_all"
    assert centre.max_wait_s is None
    assert centre.caller_hears == "ringback"
    operation = config.routing.scenario("line-4").operations["ring"]
    assert operation.call_centre == "line-4"
    again = parse(dump(config))
    assert again == config
    assert yaml.safe_load(dump(config))["schema_version"] == 2


def test_a_prompt_that_is_not_built_in_is_a_warning_to_upload_it():
    operations = {"first": {"type": "announcement", "prompt": "our_jingle"}}
    config = validate(document_with({"scenarios": [scenario(operations)]}))
    assert [str(w) for w in routing_warnings(config)] == [
        "routing.scenarios[0].operations.first.prompt: 'our_jingle' is not a built-in prompt: "
        "upload a greeting of that name"
    ]


def test_agent_codes_must_not_clash_with_each_other_or_the_dial_plan():
    document = default_config().model_dump(mode="json")
    document["routing"]["agent_codes"] = {"log_in": "*78", "log_out": "*78"}
    assert problems(document) == [
        "routing.agent_codes.log_out: is the same as log_in",
        "routing.agent_codes.log_in: *78 is already the dial plan's code for dnd_on",
        "routing.agent_codes.log_out: *78 is already the dial plan's code for dnd_on",
    ]
