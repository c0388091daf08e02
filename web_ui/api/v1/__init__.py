"""REST API, version 1: the same schema as the configuration, documented at
/api/v1/openapi.json. Writes need the session's CSRF token in `X-CSRF-Token`."""

from fastapi import APIRouter

from web_ui.api.v1 import config, employees, history, me, reports, status

router = APIRouter()
for resource in (status, config, employees, history, reports, me):
    router.include_router(resource.router)
