"""Forms made from the configuration schema: one input per field, named by its path.

An input's name is the field's path in the configuration document (`system.country`,
`hat.ports[3].label`), the same form the engine uses in its `path: reason` errors, so an
error the engine reports lands next to the field it is about. The schema is the only
description of a field: labels and help come from its name and `description`.

Shapes: a nested record is a group (with a "use" checkbox when it may be absent); a list
of records is a table of rows with blank rows to add and a checkbox to remove; a list of
plain values is one comma-separated input. Mappings (a scenario's exits, a menu's keys)
have editors of their own and are left alone here.
"""

from __future__ import annotations

import re
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import to_jsonable_python

_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
BLANK_ROWS = 2  # empty rows under a table, for adding
ENABLED = "__enabled"  # suffix of an optional group's "use" checkbox
REMOVE = "__remove"  # suffix of a row's "remove" checkbox
TYPED_KINDS = ("text", "number", "list")  # inputs that are empty until someone types


@dataclass
class FormField:
    path: str
    label: str
    kind: str  # text / number / checkbox / select / list / group / rows
    value: Any = None
    help: str = ""
    options: list[str] = field(default_factory=list)
    step: str = "1"
    children: list[FormField] = field(default_factory=list)
    optional: bool = False
    rows: list[list[FormField]] = field(default_factory=list)  # kind "rows": one per item
    columns: list[str] = field(default_factory=list)  # kind "rows": the headings


def field_paths(fields: list[FormField]) -> list[str]:
    """Every path the inputs of `fields` show errors for (groups, tables, rows, cells)."""
    paths = []
    for f in fields:
        paths.append(f.path)
        paths.extend(field_paths(f.children))
        for index, row in enumerate(f.rows):
            paths.append(f"{f.path}[{index}]")
            paths.extend(field_paths(row))
    return paths


def field_label(name: str) -> str:
    """A field's label: its schema name as words (translated when shown)."""
    return name.replace("_", " ").capitalize()


def form_fields(
    model: type[BaseModel], values: dict[str, Any], prefix: str, *, skip: tuple[str, ...] = ()
) -> list[FormField]:
    """The inputs for `model` at `prefix` in the document, filled with `values`."""
    result = []
    for name, info in model.model_fields.items():
        if name in skip or _is_mapping(info.annotation):
            continue
        path = f"{prefix}.{name}" if prefix else name
        result.append(_field(path, name, info, values.get(name)))
    return result


def _field(path: str, name: str, info: FieldInfo, value: Any) -> FormField:
    annotation, optional = _unwrap_optional(info.annotation)
    label = field_label(name)
    help_text = info.description or ""
    record = _record_model(annotation)
    if record is not None:
        children = form_fields(record, value if value is not None else defaults(record), path)
        return FormField(
            path, label, "group", value is not None, help_text, children=children, optional=optional
        )
    item = _list_item(annotation)
    if item is not None and _record_model(item) is not None:
        return _rows(path, label, help_text, _record_model(item), value or [])  # type: ignore[arg-type]
    if annotation is bool:
        return FormField(path, label, "checkbox", bool(value), help_text)
    if typing.get_origin(annotation) is Literal:
        options = [str(option) for option in typing.get_args(annotation)]
        if optional:
            options = ["", *options]
        shown = "" if value is None else str(value)
        return FormField(path, label, "select", shown, help_text, options, optional=optional)
    if annotation in (int, float):
        step = "1" if annotation is int else "any"
        return FormField(path, label, "number", value, help_text, step=step, optional=optional)
    if item is not None:
        shown = ", ".join(str(entry) for entry in value or [])
        return FormField(path, label, "list", shown, help_text)
    return FormField(path, label, "text", "" if value is None else value, help_text)


def _rows(
    path: str, label: str, help_text: str, model: type[BaseModel], items: list[Any]
) -> FormField:
    rows = [form_fields(model, item, f"{path}[{index}]") for index, item in enumerate(items)]
    rows += [form_fields(model, {}, f"{path}[{len(items) + n}]") for n in range(BLANK_ROWS)]
    columns = [f.label for f in rows[0]] if rows else []
    return FormField(path, label, "rows", len(items), help_text, rows=rows, columns=columns)


def defaults(model: type[BaseModel]) -> dict[str, Any]:
    """What a new record holds before anyone fills it in: every field's default."""
    return {
        name: to_jsonable_python(info.get_default(call_default_factory=True))
        for name, info in model.model_fields.items()
        if not info.is_required()
    }


def _record_model(annotation: Any) -> type[BaseModel] | None:
    return (
        annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    )


def _list_item(annotation: Any) -> Any:
    if typing.get_origin(annotation) is list:
        item, _ = _unwrap_optional(typing.get_args(annotation)[0])
        return item
    return None


def _is_mapping(annotation: Any) -> bool:
    annotation, _ = _unwrap_optional(annotation)
    return typing.get_origin(annotation) is dict


def _unwrap_optional(annotation: Any) -> tuple[Any, bool]:
    """`X | None` → (X, True); an Annotated type → its base type."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap_optional(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if len(args) == 1:
            inner, _ = _unwrap_optional(args[0])
            return inner, True
    return annotation, False


def apply_form(
    model: type[BaseModel],
    document: dict[str, Any],
    prefix: str,
    form: dict[str, str],
    *,
    skip: tuple[str, ...] = (),
) -> None:
    """Write the submitted inputs for `model` at `prefix` into `document` (in place).

    Values are converted only as far as an input needs (a checkbox's absence is False, a
    list is comma-separated); the engine validates the result and names what is wrong.
    """
    node = get_path(document, prefix) if prefix else document
    for name, info in model.model_fields.items():
        if name in skip or _is_mapping(info.annotation):
            continue
        path = f"{prefix}.{name}" if prefix else name
        annotation, optional = _unwrap_optional(info.annotation)
        record = _record_model(annotation)
        if record is not None:
            if optional and f"{path}.{ENABLED}" not in form:
                node[name] = None
                continue
            if not isinstance(node.get(name), dict):
                node[name] = {}
            apply_form(record, document, path, form)
            continue
        item = _list_item(annotation)
        if item is not None and _record_model(item) is not None:
            node[name] = _apply_rows(_record_model(item), node.get(name) or [], path, form)  # type: ignore[arg-type]
            continue
        if annotation is bool:
            node[name] = path in form
            continue
        if path not in form:
            continue
        raw = form[path].strip()
        value: Any = raw
        if raw == "" and optional:
            value = None
        elif raw == "" and not info.is_required() and item is None and annotation is not str:
            node.pop(name, None)  # left empty: the field's default
            continue
        elif annotation is int:
            value = _number(raw, int)
        elif annotation is float:
            value = _number(raw, float)
        elif item is not None:
            items = [entry.strip() for entry in raw.split(",") if entry.strip()]
            value = [_number(entry, int) for entry in items] if item is int else items
        node[name] = value


def _apply_rows(
    model: type[BaseModel], items: list[Any], path: str, form: dict[str, str]
) -> list[Any]:
    """The table's rows as a list: kept rows, changed as submitted, then filled blank rows."""
    result = []
    for index in range(len(items) + BLANK_ROWS):
        row_path = f"{path}[{index}]"
        if f"{row_path}.{REMOVE}" in form:
            continue
        typed = [f.path for f in form_fields(model, {}, row_path) if f.kind in TYPED_KINDS]
        if index >= len(items) and not any(form.get(path, "").strip() for path in typed):
            continue  # a blank row left blank (its lists and boxes keep their defaults)
        row = dict(items[index]) if index < len(items) else {}
        holder = {"row": row}
        apply_form(
            model, holder, "row", {k.replace(row_path, "row", 1): v for k, v in form.items()}
        )
        result.append(holder["row"])
    return result


def _number(raw: str, kind: type) -> Any:
    try:
        return kind(raw)
    except ValueError:
        return raw  # the engine names the field and why it is not a number


def split_path(path: str) -> list[str | int]:
    return [int(index) if index else name for name, index in _PATH_PART.findall(path)]


def get_path(document: Any, path: str) -> Any:
    node = document
    for part in split_path(path):
        node = node[part]
    return node


def set_path(document: Any, path: str, value: Any) -> None:
    parts = split_path(path)
    node = document
    for part in parts[:-1]:
        node = node[part]
    node[parts[-1]] = value
