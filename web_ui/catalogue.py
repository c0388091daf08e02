"""Which texts the pages show, for the translation catalogues.

Texts come from three places: the templates (`_()`), the web process's code (`_()` and the
`N_()` marker) and the configuration schema, whose field names, descriptions and choices
become form labels, hints and options. `scripts/update-web-catalogues` writes them to
`locale/messages.pot` and merges them into each language's `messages.po`; a test checks
that every text has a translation.
"""

from __future__ import annotations

import typing
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from pydantic import BaseModel

from firmware.config.schema import Config
from web_ui.forms import _unwrap_optional, field_label

HERE = Path(__file__).parent
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]


def collect() -> Catalog:
    catalog = Catalog(project="Switchboard", fuzzy=False)
    for filename, line, message, _comments, _context in extract_from_dir(
        HERE,
        METHODS,
        keywords=KEYWORDS,
        options_map={"**/templates/**.html": {"extensions": "", "trimmed": "true"}},
    ):
        if message:
            catalog.add(message, locations=[(f"web_ui/{filename}", line)])
    for text in schema_texts(Config):
        catalog.add(text, locations=[("firmware/config/schema.py", 0)])
    return catalog


def schema_texts(model: type[BaseModel]) -> Iterator[str]:
    for name, info in model.model_fields.items():
        yield field_label(name)
        if info.description:
            yield info.description
        yield from _type_texts(info.annotation)


def _type_texts(annotation: typing.Any) -> Iterator[str]:
    annotation, _ = _unwrap_optional(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield from schema_texts(annotation)
    elif typing.get_origin(annotation) is typing.Literal:
        yield from (str(v) for v in typing.get_args(annotation) if isinstance(v, str) and v)
    else:
        for argument in typing.get_args(annotation):
            yield from _type_texts(argument)
