"""The REST API against its own OpenAPI document: generated requests, bounded in number,
must never get a server error or a response that breaks the documented schema."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.web_ui.site import ADMIN_PASSWORD, web_site
from web_ui.auth.guard import SESSION_COOKIE

EXAMPLES_PER_OPERATION = 12
# A configuration can be refused for reasons JSON Schema cannot say (an e-mail address's
# shape, a port used twice), so "schema-valid data must be accepted" does not hold here.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


def test_every_api_operation_keeps_to_its_schema(tmp_path):
    with web_site(tmp_path) as (client, _data):
        session = client.app.state.web.accounts.log_in("admin", ADMIN_PASSWORD)
        cookies = {SESSION_COOKIE: session.token}
        headers = {"X-CSRF-Token": session.csrf_token}
        schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", client.app, cookies=cookies)
        # The event stream never ends by design; its format is covered by the page tests.
        operations = [
            operation
            for operation in (result.ok() for result in schema.get_all_operations())
            if operation.path != "/events"
        ]
        assert len(operations) >= 10

        for operation in operations:

            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy())
            def keeps_to_schema(case):
                case.call_and_validate(headers=headers, cookies=cookies, checks=CHECKS)

            keeps_to_schema()
