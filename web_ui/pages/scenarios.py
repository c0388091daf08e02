"""The scenario editor: a scenario's operations as forms, their exits chosen from lists,
the graph drawn beside them, and the engine's verdict shown on the operation it is about.

A save sends the whole configuration to the engine; if it refuses, the page comes back
with what was typed and each reason next to its field, and nothing is saved.
"""

from __future__ import annotations

import copy
import re
import typing
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from firmware.config.routing import MENU_KEYS, OperationConfig, Scenario
from web_ui.auth.guard import require_admin
from web_ui.choices import offer_choices
from web_ui.diagram import draw, layers
from web_ui.engine import ControlError, EngineUnavailable, field_errors
from web_ui.forms import apply_form, field_paths, form_fields
from web_ui.i18n import N_
from web_ui.pages.render import localizer, refresh_system, render
from web_ui.state import web_state

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_admin)])
OPERATION_MODELS = {
    model.model_fields["type"].default: model
    for model in typing.get_args(typing.get_args(OperationConfig)[0])
}
OPERATION_TYPES = list(OPERATION_MODELS)
_TAG = re.compile(r"(\.operations\.[^.\[\]]+)\.(" + "|".join(OPERATION_TYPES) + r")(?=\.|$)")
REMOVE = "__remove"


def _index(config: dict[str, Any], scenario_id: str) -> int | None:
    for index, scenario in enumerate(config.get("routing", {}).get("scenarios", [])):
        if scenario.get("id") == scenario_id:
            return index
    return None


def _errors(error: ControlError) -> dict[str, str]:
    """The engine's reasons by field, with pydantic's operation-type step taken out."""
    return {_TAG.sub(r"\1", path): reason for path, reason in field_errors(error).items()}


async def _save(request: Request, document: dict[str, Any]) -> dict[str, str]:
    state = web_state(request)
    try:
        await state.engine.save_config(document)
    except ControlError as error:
        return _errors(error) or {"(document)": str(error)}
    except EngineUnavailable as error:
        return {"(document)": str(error)}
    return {}


@router.get("/scenarios")
async def scenario_list(request: Request) -> Response:
    return await _list(request)


async def _list(request: Request, status: int = 200, **extra: Any) -> Response:
    config = await refresh_system(request) or {}
    routing = config.get("routing", {})
    used_by: dict[str, list[str]] = {}
    for route in routing.get("inbound", {}).get("routes", []):
        where = f"line {route['line']}" if route.get("line") is not None else route.get("number")
        used_by.setdefault(route["scenario"], []).append(str(where))
    try:
        templates = list(await web_state(request).engine.request("routing_templates"))
    except (ControlError, EngineUnavailable):
        templates = []
    return render(
        request,
        "scenarios.html",
        status,
        scenarios=routing.get("scenarios", []),
        used_by=used_by,
        default=routing.get("inbound", {}).get("default_scenario"),
        templates=templates,
        operation_types=OPERATION_TYPES,
        **extra,
    )


@router.post("/scenarios/new")
async def new_scenario(
    request: Request,
    scenario_id: str = Form("", alias="id"),
    name: str = Form(""),
    template: str = Form(""),
    first_id: str = Form("start", alias="first_step.id"),
    first_type: str = Form("announcement", alias="first_step.type"),
) -> Response:
    config = await refresh_system(request)
    if config is None:
        return await _list(request, 503, problem=N_("the engine is not reachable"))
    document = copy.deepcopy(config)
    routing = document.setdefault("routing", {})
    scenarios = routing.setdefault("scenarios", [])
    scenario_id = scenario_id.strip().lower()
    if template:
        added = await _add_template(request, routing, template)
        if added is None:
            return await _list(request, 422, problem=N_("no such template"))
        target = added
    else:
        first_id = first_id.strip().lower() or "start"
        first_type = first_type if first_type in OPERATION_MODELS else "announcement"
        scenarios.append(
            {
                "id": scenario_id,
                "name": name,
                "start": first_id,
                "operations": {first_id: {"type": first_type}},
            }
        )
        target = scenario_id
    errors = await _save(request, document)
    if errors:
        return await _list(request, 422, errors=errors)
    web_state(request).accounts.audit(
        request.state.session.account.username, "scenario.create", template or target
    )
    return RedirectResponse(f"/scenarios/{target}", status_code=303)


async def _add_template(request: Request, routing: dict[str, Any], name: str) -> str | None:
    """Add a template's scenarios and call centres that are not there yet; the first of its
    scenarios, which is where the editor opens."""
    templates = await web_state(request).engine.request("routing_templates")
    if name not in templates:
        return None
    template = templates[name]
    have = {s["id"] for s in routing.get("scenarios", [])}
    routing.setdefault("scenarios", []).extend(
        s for s in template["scenarios"] if s["id"] not in have
    )
    centres = {c["id"] for c in routing.get("call_centres", [])}
    routing.setdefault("call_centres", []).extend(
        c for c in template.get("call_centres", []) if c["id"] not in centres
    )
    return str(template["scenarios"][0]["id"])


@router.get("/scenarios/{scenario_id}")
async def edit_scenario(request: Request, scenario_id: str) -> Response:
    config = await refresh_system(request)
    index = None if config is None else _index(config, scenario_id)
    if config is None or index is None:
        return render(request, "message.html", 404, message=N_("there is no such scenario"))
    saved = request.query_params.get("saved", "")
    return _editor(request, config, index, {}, saved=saved)


@router.post("/scenarios/{scenario_id}")
async def save_scenario(request: Request, scenario_id: str) -> Response:
    config = await refresh_system(request)
    index = None if config is None else _index(config, scenario_id)
    if config is None or index is None:
        return render(request, "message.html", 404, message=N_("there is no such scenario"))
    form = {key: value for key, value in (await request.form()).items() if isinstance(value, str)}
    document = copy.deepcopy(config)
    prefix = f"routing.scenarios[{index}]"
    _apply_editor(document, prefix, form)
    errors = await _save(request, document)
    if errors:
        return _editor(request, document, index, errors, status=422)
    web_state(request).accounts.audit(
        request.state.session.account.username, "scenario.save", scenario_id
    )
    return RedirectResponse(f"/scenarios/{scenario_id}?saved=1", status_code=303)


@router.post("/scenarios/{scenario_id}/delete")
async def delete_scenario(request: Request, scenario_id: str) -> Response:
    config = await refresh_system(request)
    index = None if config is None else _index(config, scenario_id)
    if config is None or index is None:
        return render(request, "message.html", 404, message=N_("there is no such scenario"))
    document = copy.deepcopy(config)
    del document["routing"]["scenarios"][index]
    errors = await _save(request, document)
    if errors:
        return await _list(request, 422, errors=errors)
    web_state(request).accounts.audit(
        request.state.session.account.username, "scenario.delete", scenario_id
    )
    return RedirectResponse("/scenarios", status_code=303)


def _apply_editor(document: dict[str, Any], prefix: str, form: dict[str, str]) -> None:
    scenario = document["routing"]["scenarios"][int(prefix.split("[")[1].rstrip("]"))]
    apply_form(Scenario, document, prefix, form, skip=("id",))
    operations: dict[str, Any] = scenario.setdefault("operations", {})
    # Steps on the page that the engine has not accepted yet (a refused save) come back
    # with the form: each card carries its step's type.
    marker = f"{prefix}.operations."
    for key, value in form.items():
        if key.startswith(marker) and key.endswith(".type") and value in OPERATION_MODELS:
            name = key[len(marker) : -len(".type")]
            if "." not in name and name not in operations:
                operations[name] = {"type": value}
    for name in list(operations):
        at = f"{prefix}.operations.{name}"
        if f"{at}.{REMOVE}" in form:
            del operations[name]
            continue
        model = OPERATION_MODELS.get(operations[name].get("type", ""))
        if model is None:
            continue
        apply_form(model, document, at, form, skip=("type",))
        exits = {e: form.get(f"{at}.exits.{e}", "") for e in model.EXITS}
        operations[name]["exits"] = {e: target for e, target in exits.items() if target}
        if "keys" in model.model_fields:
            keys = {k: form.get(f"{at}.keys.{k}", "") for k in MENU_KEYS}
            operations[name]["keys"] = {k: target for k, target in keys.items() if target}
    new_id = form.get("new_operation.id", "").strip().lower()
    new_type = form.get("new_operation.type", "")
    if new_id and new_type in OPERATION_MODELS:
        operations.setdefault(new_id, {"type": new_type})


def _editor(
    request: Request,
    document: dict[str, Any],
    index: int,
    errors: dict[str, str],
    *,
    status: int = 200,
    saved: str = "",
) -> Response:
    scenario = document["routing"]["scenarios"][index]
    prefix = f"routing.scenarios[{index}]"
    header = form_fields(Scenario, scenario, prefix, skip=("id",))
    operations = scenario.get("operations") or {}
    for f in header:
        if f.path.endswith(".start"):
            f.kind, f.options = "select", list(operations)
    rows, unreachable = layers(scenario)
    cards = []
    for name in [op for row in rows for op in row]:
        operation = operations[name]
        model = OPERATION_MODELS.get(operation.get("type", ""))
        if model is None:
            continue
        at = f"{prefix}.operations.{name}"
        fields = offer_choices(form_fields(model, operation, at, skip=("type",)), document)
        exits = [(e, (operation.get("exits") or {}).get(e, "")) for e in model.EXITS]
        keys = (
            [(k, (operation.get("keys") or {}).get(k, "")) for k in MENU_KEYS]
            if "keys" in model.model_fields
            else []
        )
        card_paths = set(field_paths(fields)) | {at} | {f"{at}.exits.{e}" for e, _ in exits}
        card_paths |= {f"{at}.keys.{k}" for k, _ in keys}
        problems = {p: r for p, r in errors.items() if p in card_paths or p.startswith(at + ".")}
        cards.append(
            {
                "name": name,
                "path": at,
                "type": operation.get("type"),
                "fields": fields,
                "exits": exits,
                "menu_keys": keys,
                "final": set(model.FINAL_EXITS),
                "problems": problems,
                "unreachable": name in unreachable,
            }
        )
    faulty = {card["name"] for card in cards if card["problems"]}
    _ = localizer(request).gettext
    shown = field_paths(header) + [p for card in cards for p in card["problems"]]
    return render(
        request,
        "scenario.html",
        status,
        scenario=scenario,
        header=header,
        cards=cards,
        targets=list(operations),
        operation_types=OPERATION_TYPES,
        diagram=draw(scenario, faulty, _),
        errors=errors,
        shown_paths=shown,
        saved=saved,
    )
