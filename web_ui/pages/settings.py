"""Settings pages made from the schema: system, dial plan, e-mail, lines and phones.

Each page edits parts of the one configuration document and saves the whole document
through the engine, which validates it; a refusal leaves everything as it was and shows
the engine's reason next to each field it names.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from pydantic import BaseModel
from starlette.responses import Response

from firmware.config.routing import AgentCodes, InboundRoutes, RoutingConfig, WorkingHours
from firmware.config.schema import (
    DialPlan,
    FxoPortConfig,
    FxsPortConfig,
    MailSettings,
    SystemSettings,
)
from firmware.config.voicemail import RecordingSettings, VoicemailSettings
from web_ui.auth.guard import require_admin
from web_ui.choices import offer_choices
from web_ui.engine import ControlError, EngineUnavailable, field_errors
from web_ui.forms import apply_form, field_paths, form_fields, get_path
from web_ui.i18n import N_
from web_ui.pages.render import refresh_system, render
from web_ui.state import web_state

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_admin)])
TEST_MAIL_WAIT_S = 20.0
MAIL_STATES = (N_("queued"), N_("sending"), N_("sent"), N_("failed"))


@dataclass
class Part:
    """One model at one place in the document, shown as one card."""

    title: str
    model: type[BaseModel]
    path: str
    skip: tuple[str, ...] = ()
    suffix: str = ""  # after the translated title: a port's number and name


def _system_parts(_config: dict[str, Any]) -> list[Part]:
    return [
        Part(N_("System"), SystemSettings, "system"),
        Part(N_("Dial plan"), DialPlan, "dialplan"),
    ]


def _email_parts(_config: dict[str, Any]) -> list[Part]:
    return [Part(N_("Mail server (SMTP)"), MailSettings, "email")]


def _mailbox_parts(_config: dict[str, Any]) -> list[Part]:
    return [
        Part(N_("Voicemail boxes"), VoicemailSettings, "voicemail"),
        Part(N_("Call recording"), RecordingSettings, "recording"),
    ]


def _port_parts(kind: str, model: type[BaseModel]):  # type: ignore[no-untyped-def]
    def parts(config: dict[str, Any]) -> list[Part]:
        return [
            Part(
                N_("Port"),
                model,
                f"hat.ports[{index}]",
                skip=("kind", "port"),
                suffix=f" {port['port']}" + (f" — {port['label']}" if port.get("label") else ""),
            )
            for index, port in enumerate(config.get("hat", {}).get("ports", []))
            if port.get("kind") == kind
        ]

    return parts


def _inbound_parts(_config: dict[str, Any]) -> list[Part]:
    return [
        Part(N_("Inbound routes"), InboundRoutes, "routing.inbound"),
        Part(
            N_("Address book"),
            RoutingConfig,
            "routing",
            skip=("scenarios", "call_centres", "inbound", "agent_codes"),
        ),
        Part(N_("Agent codes"), AgentCodes, "routing.agent_codes"),
    ]


def _hours_parts(config: dict[str, Any]) -> list[Part]:
    """Every working-hours step of every scenario, where office hours and holidays live."""
    return [
        Part(
            N_("Working hours"),
            WorkingHours,
            f"routing.scenarios[{index}].operations.{name}",
            skip=("type", "label"),
            suffix=f" — {scenario.get('name') or scenario['id']}: {name}",
        )
        for index, scenario in enumerate(config.get("routing", {}).get("scenarios", []))
        for name, operation in (scenario.get("operations") or {}).items()
        if operation.get("type") == "working_hours"
    ]


PAGES = {
    "/system": (N_("System"), "", _system_parts),
    "/email": (
        N_("E-mail"),
        N_("The mail server that voicemail, fax and missed-call notices go out through."),
        _email_parts,
    ),
    "/mailboxes": (
        N_("Voicemail boxes"),
        N_(
            "Each box's owner, PIN, who gets a mail for every message and how much it may "
            "hold; which calls are recorded and how long recordings are kept."
        ),
        _mailbox_parts,
    ),
    "/inbound": (
        N_("Inbound calls"),
        N_(
            "Which scenario takes a call on each line; callers who are blocked, or go straight "
            "to someone; the address book of clients and their managers."
        ),
        _inbound_parts,
    ),
    "/hours": (
        N_("Working hours"),
        N_("Office hours and holidays of each scenario that checks them."),
        _hours_parts,
    ),
    "/lines": (
        N_("Lines"),
        N_("The exchange lines (FXO ports) of the hat."),
        _port_parts("fxo", FxoPortConfig),
    ),
    "/phones": (
        N_("Phones"),
        N_("The analog phones (FXS ports) of the hat."),
        _port_parts("fxs", FxsPortConfig),
    ),
}


def _sections(
    parts: list[Part], document: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[str]]:
    sections, shown = [], []
    for part in parts:
        fields = form_fields(part.model, get_path(document, part.path), part.path, skip=part.skip)
        offer_choices(fields, document)
        sections.append({"title": part.title, "suffix": part.suffix, "fields": fields})
        shown.extend(field_paths(fields))
    return sections, shown


async def _show(request: Request, page: str, **extra: Any) -> Response:
    title, intro, parts_of = PAGES[page]
    config = extra.pop("document", None) or await refresh_system(request)
    if config is None:
        return render(
            request,
            "settings.html",
            503,
            title=title,
            intro=intro,
            sections=[],
            shown_paths=[],
            errors={},
            problem=N_("the engine is not reachable"),
        )
    sections, shown = _sections(parts_of(config), config)
    status = extra.pop("status_code", 200)
    if page == "/email":
        extra.setdefault("outbox", await _outbox(request))
    return render(
        request,
        "settings.html",
        status,
        title=title,
        intro=intro,
        sections=sections,
        shown_paths=shown,
        errors=extra.pop("errors", {}),
        **extra,
    )


async def _save(request: Request, page: str) -> Response:
    _, _, parts_of = PAGES[page]
    state = web_state(request)
    config = await refresh_system(request)
    if config is None:
        return await _show(request, page)
    form = {key: value for key, value in (await request.form()).items() if isinstance(value, str)}
    document = copy.deepcopy(config)
    for part in parts_of(config):
        apply_form(part.model, document, part.path, form, skip=part.skip)
    try:
        saved = await state.engine.save_config(document)
    except ControlError as error:
        return await _show(
            request,
            page,
            document=document,
            errors=field_errors(error) or {"(document)": str(error)},
            status_code=422,
        )
    except EngineUnavailable as error:
        return await _show(request, page, problem=str(error), status_code=503)
    state.accounts.audit(request.state.session.account.username, "config.save", page)
    await refresh_system(request)
    status = await state.engine.request("status")
    return await _show(
        request,
        page,
        document=saved,
        saved=True,
        restart_required=status.get("system", {}).get("restart_required"),
    )


async def _outbox(request: Request) -> dict[str, Any] | None:
    try:
        found: dict[str, Any] = await web_state(request).engine.request("mail_status", limit=20)
    except (EngineUnavailable, ControlError):
        return None
    return found


@router.post("/email/test")
async def send_test_mail(request: Request, address: str = Form("")) -> Response:
    """Send a test mail now and show how its first attempt ended."""
    try:
        sent = await web_state(request).engine.request(
            "mail_test", address=address.strip(), wait_s=TEST_MAIL_WAIT_S
        )
    except ControlError as error:
        return await _show(
            request, "/email", test_address=address, test_error=str(error), status_code=422
        )
    except EngineUnavailable as error:
        return await _show(request, "/email", problem=str(error), status_code=503)
    web_state(request).accounts.audit(request.state.session.account.username, "mail.test", address)
    return await _show(request, "/email", test_address=address, test_result=sent)


def _register(page: str) -> None:
    async def show(request: Request) -> Response:
        return await _show(request, page)

    async def save(request: Request) -> Response:
        return await _save(request, page)

    router.add_api_route(page, show, methods=["GET"], name=f"show{page.replace('/', '_')}")
    router.add_api_route(page, save, methods=["POST"], name=f"save{page.replace('/', '_')}")


for _page in PAGES:
    _register(_page)
