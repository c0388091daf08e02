"""Configuration: one schema, validated documents, and an atomic versioned store."""

from firmware.config.document import dump, parse, validate
from firmware.config.errors import ConfigError, FieldError
from firmware.config.schema import Config
from firmware.config.store import ConfigStore

__all__ = ["Config", "ConfigError", "ConfigStore", "FieldError", "dump", "parse", "validate"]
