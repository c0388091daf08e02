"""Forms made from the schema: what the inputs are called and what a submission becomes."""

from firmware.config.routing import CallCentre
from firmware.config.schema import Config, Employee
from web_ui.forms import apply_form, field_paths, form_fields


def employee_document():
    config = Config()
    config = config.model_copy(update={"employees": [Employee(extension="101", name="Anna")]})
    return config.model_dump(mode="json")


def test_inputs_are_named_by_their_path_in_the_document():
    document = employee_document()
    paths = field_paths(form_fields(Employee, document["employees"][0], "employees[0]"))
    assert "employees[0].name" in paths
    assert "employees[0].calls.forwarding.no_answer.action" in paths
    assert "employees[0].calls.absences[0].first" in paths  # the first blank row


def test_a_filled_blank_row_adds_a_record_and_a_ticked_remove_drops_one():
    document = {
        "routing": {
            "call_centres": [
                {
                    "id": "sales",
                    "members": [
                        {"extension": "101", "answer_s": None},
                        {"extension": "102", "answer_s": None},
                    ],
                }
            ]
        }
    }
    form = {
        "routing.call_centres[0].id": "sales",
        "routing.call_centres[0].members[0].extension": "101",
        "routing.call_centres[0].members[1].extension": "102",
        "routing.call_centres[0].members[1].__remove": "on",
        "routing.call_centres[0].members[2].extension": "103",
        "routing.call_centres[0].members[2].answer_s": "15",
        "routing.call_centres[0].members[3].extension": "",
    }
    apply_form(CallCentre, document, "routing.call_centres[0]", form)
    members = document["routing"]["call_centres"][0]["members"]
    assert members == [
        {"extension": "101", "answer_s": None},
        {"extension": "103", "answer_s": 15.0},
    ]


def test_a_blank_row_with_only_a_choice_left_at_its_default_adds_nothing():
    document = employee_document()
    form = {
        "employees[0].calls.absences[0].first": "",
        "employees[0].calls.absences[0].last": "",
        "employees[0].calls.absences[0].reason": "vacation",
    }
    apply_form(Employee, document, "employees[0]", form)
    assert document["employees"][0]["calls"]["absences"] == []


def test_an_optional_group_is_absent_unless_its_box_is_ticked():
    document = employee_document()
    apply_form(Employee, document, "employees[0]", {})
    assert document["employees"][0]["calls"]["schedule"] is None
    form = {
        "employees[0].calls.schedule.__enabled": "on",
        "employees[0].calls.schedule.mon": "10:00-14:00, 15:00-19:00",
    }
    apply_form(Employee, document, "employees[0]", form)
    schedule = document["employees"][0]["calls"]["schedule"]
    assert schedule["mon"] == ["10:00-14:00", "15:00-19:00"]
    Employee.model_validate(document["employees"][0])
