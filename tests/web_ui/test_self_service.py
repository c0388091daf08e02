"""An employee sets their own forwarding in the browser, and a call honours it."""

from __future__ import annotations

import pytest

from tests.firmware.engine.test_routed_inbound import WEDNESDAY_MORNING, appliance_at
from tests.firmware.engine.test_routed_internal import mail_to, unanswered_call_leaves_a_message
from tests.firmware.mail.smtp_server import SmtpServer
from tests.web_ui.browser import chromium_page
from tests.web_ui.pbx import control, engine_and_web, log_in

pytestmark = pytest.mark.browser
EMPLOYEE_PASSWORD = "employee pass 1"


def submit(page, selector):  # type: ignore[no-untyped-def]
    with page.expect_navigation():
        page.click(selector)


def test_forward_to_voicemail_after_20_s_set_by_the_employee_is_what_a_call_does(tmp_path):
    with engine_and_web(tmp_path) as pbx, chromium_page() as page:
        document = control(pbx.data, "get_config")
        document["voicemail"]["boxes"] = [
            {"id": "101", "owner": "101", "recipients": ["anna@office.example"]}
        ]
        control(pbx.data, "put_config", config=document)
        log_in(page, pbx.url + "employees/101")
        page.fill("form[action='/employees/101/login'] input[name=password]", EMPLOYEE_PASSWORD)
        submit(page, "form[action='/employees/101/login'] button")
        page.context.clear_cookies()

        log_in(page, pbx.url + "me", "101", EMPLOYEE_PASSWORD)
        index = [e["extension"] for e in document["employees"]].index("101")
        rule = f"employees[{index}].calls.forwarding"
        page.fill(f'[name="{rule}.no_answer_after_s"]', "20")
        page.select_option(f'[name="{rule}.no_answer.action"]', "voicemail")
        page.select_option(f'[name="{rule}.no_answer.notice"]', "none")
        submit(page, "#my-calls button[type=submit]")
        assert page.locator("p.ok").inner_text() == "Saved."
        assert float(page.input_value(f'[name="{rule}.no_answer_after_s"]')) == 20

        page.fill(f'[name="{rule}.no_answer_after_s"]', "2")  # below the 5 s minimum
        submit(page, "#my-calls button[type=submit]")
        assert page.locator(f'[data-path="{rule}.no_answer_after_s"] small.error').is_visible()
        saved = control(pbx.data, "get_config")
    assert saved["employees"][index]["calls"]["forwarding"]["no_answer_after_s"] == 20
    # What the office now does with that configuration, on the simulated hat's clock.
    with SmtpServer() as server, appliance_at(WEDNESDAY_MORNING, mail_to(server, saved)) as sim:
        rang_s, kinds, _row = unanswered_call_leaves_a_message(sim, server, "102", "101")
    assert 19 <= rang_s <= 22  # the employee's 20 s, not the default two minutes
    assert kinds == ["direct", "forwarding"]
    (mail,) = server.received
    assert mail.recipients == ["anna@office.example"]
    assert len(list(mail.message.iter_attachments())) == 1
