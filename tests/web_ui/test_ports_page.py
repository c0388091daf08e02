import pytest

from tests.web_ui.browser import chromium_page
from tests.web_ui.pbx import control, engine_and_web, log_in, port_state, shows, with_template

pytestmark = pytest.mark.browser


def test_the_ports_page_lists_the_hat_and_follows_a_phone_live(tmp_path):
    with engine_and_web(tmp_path) as pbx, chromium_page() as page:
        log_in(page, pbx.url)
        rows = page.locator("#ports tbody tr")
        assert rows.count() == 6
        assert rows.nth(0).locator("td").all_inner_texts()[:4] == ["0", "FXS", "Phone 1", "idle"]
        assert rows.nth(4).locator("td").all_inner_texts()[:4] == ["4", "FXO", "Line 1", "idle"]
        shows(page, "#engine-state", "live")

        control(pbx.data, "sim_phone", port=0, action="off_hook")
        shows(page, "#port-0 .state", "dialling")
        control(pbx.data, "sim_phone", port=0, action="dial", digits="102")
        shows(page, "#port-1 .state", "ringing")
        assert page.locator("#port-1 .peer").inner_text() == "101"
        control(pbx.data, "sim_phone", port=1, action="off_hook")
        shows(page, "#port-0 .state", "talking")
        assert page.locator("#port-0 .peer").inner_text() == "102"
    assert "Traceback" not in pbx.web.output


def test_an_open_page_catches_up_with_changes_made_while_the_web_process_was_down(tmp_path):
    with engine_and_web(tmp_path) as pbx, chromium_page() as page:
        log_in(page, pbx.url)
        shows(page, "#engine-state", "live")
        pbx.web.stop()
        page.wait_for_function("document.querySelector('#engine-state').textContent !== 'live'")
        control(pbx.data, "sim_phone", port=2, action="off_hook")
        pbx.engine.wait_for(lambda: port_state(pbx.data, 2) == "dialling", "dial tone")
        control(pbx.data, "sim_phone", port=2, action="dial", digits="104")
        pbx.engine.wait_for(lambda: port_state(pbx.data, 3) == "ringing", "ringing")
        pbx.start_web()
        shows(page, "#port-3 .state", "ringing")
        assert page.locator("#port-3 .peer").inner_text() == "103"
        assert page.locator("#engine-state").inner_text() == "live"


def test_the_page_says_when_saved_settings_wait_for_a_restart(tmp_path):
    with engine_and_web(tmp_path) as pbx, chromium_page() as page:
        log_in(page, pbx.url)
        shows(page, "#engine-state", "live")
        notice = page.locator("#restart-required")
        assert not notice.is_visible()
        document = control(pbx.data, "get_config")
        original = document["system"]["country"]
        document["system"]["country"] = "DE"
        control(pbx.data, "put_config", config=document)
        notice.wait_for(state="visible")
        assert "restarts" in notice.inner_text()
        document["system"]["country"] = original
        control(pbx.data, "put_config", config=document)
        notice.wait_for(state="hidden")


def test_an_outside_call_shows_live_with_its_scenario_step_and_then_in_history(tmp_path):
    with engine_and_web(tmp_path) as pbx, chromium_page() as page:
        control(pbx.data, "put_config", config=with_template(control(pbx.data, "get_config")))
        log_in(page, pbx.url)
        shows(page, "#engine-state", "live")
        assert page.locator("#no-calls").is_visible()

        control(pbx.data, "sim_line", port=4, action="ring", number="4955551234")
        row = page.locator("#calls tbody tr")
        row.wait_for()
        page.wait_for_function(
            "() => document.querySelector('#calls tbody tr td:nth-child(5)')"
            ".textContent.startsWith('main/')"
        )
        cells = row.locator("td").all_inner_texts()
        assert cells[:3] == ["4955551234", "line4", "inbound"]
        assert not page.locator("#no-calls").is_visible()

        control(pbx.data, "sim_line", port=4, action="hang_up")
        page.locator("#no-calls").wait_for(state="visible")
        assert page.locator("#calls tbody tr").count() == 0
        pbx.engine.wait_for(lambda: bool(control(pbx.data, "history", limit=5)), "history row")
        page.goto(pbx.url + "history")
        assert "4955551234" in page.locator("main").inner_text()
