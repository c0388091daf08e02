"""An administrator builds the "orders and support" routing from scratch in the browser."""

from __future__ import annotations

import pytest

from tests.web_ui.browser import chromium_page
from tests.web_ui.pbx import control, engine_and_web, log_in

pytestmark = pytest.mark.browser

TEMPLATE_STEPS = {
    "hours": ("working_hours", {"open": "greeting", "closed": "after_hours"}, {}),
    "greeting": ("menu", {"timeout": "sales"}, {"1": "sales", "2": "support"}),
    "sales": ("call_centre", {"no_answer": "busy_voicemail", "timeout": "busy_voicemail"}, {}),
    "support": ("call_centre", {"no_answer": "busy_voicemail", "timeout": "busy_voicemail"}, {}),
    "busy_voicemail": ("voicemail", {}, {}),
    "after_hours": ("voicemail", {}, {}),
}


def op(name, field):
    return f'[name="routing.scenarios[0].operations.{name}.{field}"]'


def submit(page, selector):
    """Press a form's button and wait for the page the server answers with."""
    with page.expect_navigation():
        page.click(selector)


def save(page):
    submit(page, "#scenario-form button[type=submit]")


def add_step(page, name, kind):
    page.fill('[name="new_operation.id"]', name)
    page.select_option('[name="new_operation.type"]', kind)
    save(page)


def new_call_centre(page, url, index, centre_id, name, members):
    page.goto(url + "call-centres/new")
    at = f"routing.call_centres[{index}]"
    page.fill(f'[name="{at}.id"]', centre_id)
    page.fill(f'[name="{at}.name"]', name)
    for row, extension in enumerate(members):
        page.select_option(f'[name="{at}.members[{row}].extension"]', extension)
    page.select_option(f'[name="{at}.caller_hears"]', "music")
    submit(page, "form.settings button[type=submit]")
    assert "Saved." in page.inner_text("main"), page.locator(".error, .problem").all_inner_texts()


def test_template_one_built_from_scratch_in_the_editor_is_what_the_engine_runs(tmp_path):
    with engine_and_web(tmp_path) as pbx, chromium_page() as page:
        office = control(pbx.data, "get_config")
        office["routing"] = {}
        control(pbx.data, "put_config", config=office)
        log_in(page, pbx.url)

        page.goto(pbx.url + "employees/new")
        page.fill('[name="employees[4].extension"]', "105")
        page.fill('[name="employees[4].name"]', "Ольга Петрова")
        page.fill('[name="employees[4].email"]', "olga@example.org")
        submit(page, "form.settings button[type=submit]")
        assert page.url.endswith("/employees/105?saved=1")

        new_call_centre(page, pbx.url, 0, "sales", "Sales", ["101", "102"])
        # The second team, kept to two rows at a time: the page adds blank rows after a save.
        new_call_centre(page, pbx.url, 1, "support", "Support", ["103", "104"])
        page.goto(pbx.url + "call-centres/support")
        page.select_option('[name="routing.call_centres[1].members[2].extension"]', "105")
        submit(page, "form.settings button[type=submit]")

        page.goto(pbx.url + "scenarios")
        page.fill("#new-scenario [name=id]", "main")
        page.fill("#new-scenario [name=name]", "Orders and support")
        page.fill('#new-scenario [name="first_step.id"]', "hours")
        page.select_option('#new-scenario [name="first_step.type"]', "working_hours")
        submit(page, "#new-scenario button[type=submit]")
        assert page.url.endswith("/scenarios/main")

        for name in ("greeting", "busy_voicemail", "after_hours"):
            add_step(page, name, {"greeting": "menu"}.get(name, "voicemail"))
        add_step(page, "sales", "call_centre")
        # A call centre step needs its call centre: refused, and said on that step.
        card = page.locator("#op-sales")
        assert "faulty" in card.get_attribute("class")
        assert card.locator(".error").count() >= 1
        assert page.locator('svg .node.faulty[data-operation="sales"]').count() == 1
        page.select_option(op("sales", "call_centre"), "sales")
        save(page)
        add_step(page, "support", "call_centre")
        page.select_option(op("support", "call_centre"), "support")
        save(page)
        assert "Saved." in page.inner_text("main"), page.locator(
            ".error, .problem"
        ).all_inner_texts()

        page.select_option(op("hours", "exits.open"), "greeting")
        page.select_option(op("hours", "exits.closed"), "after_hours")
        page.fill(op("greeting", "prompt"), "menu_sales_support")
        page.select_option(op("greeting", "keys.1"), "sales")
        page.select_option(op("greeting", "keys.2"), "support")
        page.select_option(op("greeting", "exits.timeout"), "sales")
        for team in ("sales", "support"):
            page.select_option(op(team, "exits.no_answer"), "busy_voicemail")
            page.select_option(op(team, "exits.timeout"), "busy_voicemail")
        page.fill(op("after_hours", "prompt"), "office_closed_voicemail")
        save(page)
        assert "Saved." in page.inner_text("main")
        assert page.locator("svg .node.unreachable").count() == 0
        assert page.locator("svg .node").count() == 6

        page.goto(pbx.url + "inbound")
        page.select_option('[name="routing.inbound.default_scenario"]', "main")
        submit(page, "form.settings button[type=submit]")
        assert "Saved." in page.inner_text("main")

        routing = control(pbx.data, "get_config")["routing"]
        (scenario,) = routing["scenarios"]
        assert scenario["start"] == "hours"
        built = {
            name: (step["type"], step.get("exits", {}), step.get("keys", {}))
            for name, step in scenario["operations"].items()
        }
        assert built == TEMPLATE_STEPS
        assert routing["inbound"]["default_scenario"] == "main"
        centres = {c["id"]: [m["extension"] for m in c["members"]] for c in routing["call_centres"]}
        assert centres == {"sales": ["101", "102"], "support": ["103", "104", "105"]}

        # An outside call placed in the Lab follows the scenario just built.
        page.goto(pbx.url + "lab")
        line = page.locator("#line-4")
        line.locator("input.caller").fill("4955557788")
        line.locator('button[data-act="ring"]').click()
        page.goto(pbx.url)
        page.wait_for_function(
            "() => [...document.querySelectorAll('#calls tbody tr td:nth-child(5)')]"
            ".some((cell) => cell.textContent.startsWith('main/'))",
            timeout=30000,
        )
        assert "4955557788" in page.locator("#calls tbody").inner_text()
        page.goto(pbx.url + "lab")
        page.locator('#line-4 button[data-act="hang_up"]').click()
        pbx.engine.wait_for(
            lambda: any(
                call["from_number"] == "4955557788"
                for call in control(pbx.data, "history", limit=5)
            ),
            "the call in history",
        )
        page.goto(pbx.url + "history")
        assert "4955557788" in page.locator("main").inner_text()
        page.goto(pbx.url + "reports")
        scenarios = page.locator("#report-scenarios table.report tbody tr")
        assert scenarios.count() == 1
        assert scenarios.locator("td").all_inner_texts()[:2] == ["main", "1"]
        assert page.locator("svg.chart title", has_text="main: 1").count() == 1
