"""The log page shows what the engine said lately, and filters it by level."""

from __future__ import annotations

from tests.web_ui.pbx import control
from tests.web_ui.site import log_in, web_site


def test_the_log_page_shows_the_engines_recent_lines_and_filters_warnings(tmp_path):
    with web_site(tmp_path) as (client, data):
        log_in(client)
        page = client.get("/logs").text
        assert "engine: ready" in page  # said at start, at INFO
        document = control(data, "get_config")
        document["voicemail"]["boxes"] = [{"id": "101", "owner": "101"}]
        control(data, "put_config", config=document)
        assert "config: applied" in client.get("/logs").text
        warnings = client.get("/logs", params={"level": "WARNING"}).text
        assert "engine: ready" not in warnings
        assert client.get("/logs", params={"level": "<b>"}).status_code == 200
