"""Turning YAML text into a validated `Config` and back, migrating older schema versions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml
from pydantic import ValidationError

from firmware.config.errors import ConfigError, FieldError, format_location
from firmware.config.migrate_routing import inbound_lists_to_scenarios
from firmware.config.references import reference_problems
from firmware.config.routing_checks import routing_problems
from firmware.config.schema import SCHEMA_VERSION, Config

Migration = Callable[[dict[str, Any]], dict[str, Any]]
# MIGRATIONS[n] turns a schema-n document into a schema-(n+1) one. Each release that changes
# the schema adds its step here, so every older file on an appliance still loads.
MIGRATIONS: dict[int, Migration] = {1: inbound_lists_to_scenarios}


def parse_yaml(text: str) -> dict[str, Any]:
    """The YAML mapping in `text`, or ConfigError naming the line of a syntax problem."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(document)"
        problem = getattr(error, "problem", None) or str(error)
        raise ConfigError([FieldError(where, f"YAML syntax: {problem}")]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError([FieldError("(document)", "must be a mapping of sections")])
    return data


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    """Bring a document of any older schema version up to the current one."""
    version = data.get("schema_version", SCHEMA_VERSION)
    if not isinstance(version, int) or version < 1:
        raise ConfigError([FieldError("schema_version", f"{version!r} is not a schema version")])
    if version > SCHEMA_VERSION:
        raise ConfigError(
            [
                FieldError(
                    "schema_version",
                    f"{version} was written by a newer Switchboard; this one reads up to "
                    f"{SCHEMA_VERSION}",
                )
            ]
        )
    while version < SCHEMA_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise ConfigError(
                [FieldError("schema_version", f"no migration from version {version}")]
            )
        data = step(dict(data))
        version += 1
        data["schema_version"] = version
    return data


def validate(data: dict[str, Any]) -> Config:
    """A valid Config from a (possibly older) document, or ConfigError listing every problem."""
    data = migrate(data)
    try:
        config = Config.model_validate(data)
    except ValidationError as error:
        raise ConfigError(
            [
                FieldError(format_location(_without_union_tags(item["loc"])), _reason(item))
                for item in error.errors()
            ]
        ) from None
    problems = reference_problems(config) + routing_problems(config)
    if problems:
        raise ConfigError(problems)
    return config


def parse(text: str) -> Config:
    return validate(parse_yaml(text))


def dump(config: Config) -> str:
    """YAML text for `config`, fields in schema order."""
    return yaml.safe_dump(
        config.model_dump(mode="json"), sort_keys=False, allow_unicode=True, width=100
    )


def _without_union_tags(location: tuple[Any, ...]) -> tuple[Any, ...]:
    # A discriminated union puts the tag ("fxs"/"fxo") into the location after the index.
    return tuple(
        part
        for position, part in enumerate(location)
        if not (part in ("fxs", "fxo") and position > 0 and isinstance(location[position - 1], int))
    )


def _reason(item: Any) -> str:
    message = str(item["msg"])
    # Our own validators' messages are already sentences; drop pydantic's prefix.
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            return message[len(prefix) :]
    if item["type"] == "extra_forbidden":
        return "is not a known setting (misspelt?)"
    if item["type"] == "missing":
        return "is required"
    return message[0].lower() + message[1:]
