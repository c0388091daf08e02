"""The whole configuration document, and each of its sections."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from fastapi import APIRouter, Body, Depends, Request

from firmware.config.schema import Config
from web_ui.api.v1.errors import ERROR_RESPONSES, engine_refusal
from web_ui.auth.guard import require_admin
from web_ui.engine import ControlError, EngineUnavailable
from web_ui.state import web_state

router = APIRouter(
    tags=["config"], dependencies=[Depends(require_admin)], responses=ERROR_RESPONSES
)
SECTIONS = tuple(name for name in Config.model_fields if name != "schema_version")
Section = StrEnum("Section", {name: name for name in SECTIONS})  # type: ignore[misc]


async def _current(request: Request) -> dict[str, Any]:
    try:
        return await web_state(request).engine.config()
    except (ControlError, EngineUnavailable) as error:
        raise engine_refusal(error) from None


async def _save(request: Request, document: dict[str, Any], what: str) -> dict[str, Any]:
    state = web_state(request)
    try:
        saved = await state.engine.save_config(document)
    except (ControlError, EngineUnavailable) as error:
        raise engine_refusal(error) from None
    state.accounts.audit(request.state.session.account.username, "config.save", f"api {what}")
    return saved


@router.get("/config", response_model=Config, summary="The running configuration")
async def get_config(request: Request) -> Any:
    return await _current(request)


@router.put("/config", response_model=Config, summary="Replace the whole configuration")
async def put_config(request: Request, config: Config) -> Any:
    return await _save(request, config.model_dump(mode="json"), "config")


@router.get("/config/{section}", summary="One section of the configuration")
async def get_section(request: Request, section: Section) -> Any:
    return (await _current(request))[section.value]


@router.put("/config/{section}", summary="Replace one section of the configuration")
async def put_section(request: Request, section: Section, value: Any = Body(...)) -> Any:
    document = await _current(request)
    document[section.value] = value
    return (await _save(request, document, section.value))[section.value]
