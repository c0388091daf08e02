"""Call centres seen live: members logged in and out from the page, and a caller waiting in
the queue counted on the dashboard."""

from __future__ import annotations

import re

from tests.web_ui.pbx import control, with_template
from tests.web_ui.site import log_in, web_site
from tests.web_ui.test_reports_page import wait_until


def agent_cell(html: str, extension: str) -> str:
    found = re.search(rf'<li data-agent="{extension}" class="([^"]+)">(.*?)</li>', html, re.S)
    assert found, f"{extension} is not listed"
    return f"{found.group(1)} {found.group(2)}"


def test_members_log_in_from_the_page_and_a_waiting_caller_shows_on_the_dashboard(tmp_path):
    with web_site(tmp_path) as (client, data):
        document = with_template(control(data, "get_config"))
        for centre in document["routing"]["call_centres"]:
            centre["login_required"] = True
        sales = document["routing"]["call_centres"][0]
        # Straight to the call centre, whatever the hour the test runs at.
        document["routing"]["scenarios"][0]["start"] = next(
            name
            for name, step in document["routing"]["scenarios"][0]["operations"].items()
            if step.get("call_centre") == sales["id"]
        )
        control(data, "put_config", config=document)
        first, second = (member["extension"] for member in sales["members"][:2])
        token = log_in(client)

        page = client.get("/call-centres").text
        assert "logged out" in agent_cell(page, first)
        client.post(f"/call-centres/agents/{first}", data={"logged_in": "1", "csrf_token": token})
        page = client.get("/call-centres").text
        assert agent_cell(page, first).startswith("logged-in") and "free" in agent_cell(page, first)
        assert agent_cell(page, second).startswith("logged-out")
        dashboard = client.get("/").text
        row = dashboard.split(f'data-centre="{sales["id"]}"', 1)[1].split("</tr>", 1)[0]
        assert "1 / " in row

        client.post(f"/call-centres/agents/{first}", data={"logged_in": "0", "csrf_token": token})
        assert "logged out" in agent_cell(client.get("/call-centres").text, first)
        assert (
            client.post(
                "/call-centres/agents/999", data={"logged_in": "1", "csrf_token": token}
            ).status_code
            == 404
        )

        # A caller waits in the call centre while its one logged-in member's phone rings.
        client.post(f"/call-centres/agents/{first}", data={"logged_in": "1", "csrf_token": token})
        control(data, "sim_line", port=4, action="ring", number="4955551234")

        def waiting() -> int:
            centres = control(data, "call_centres")
            return sum(centre["waiting"] for centre in centres)

        wait_until(lambda: waiting() == 1, "a caller waiting in a call centre")
        dashboard = client.get("/").text
        assert re.search(r'<td class="waiting">1</td>', dashboard)
        assert "ringing" in agent_cell(client.get("/call-centres").text, first)
        control(data, "sim_line", port=4, action="hang_up")
        wait_until(lambda: waiting() == 0, "the caller gone")
