"""`routing:` call routing scenarios; later releases add them here."""

from __future__ import annotations

from firmware.config.fields import Model


class Routing(Model):
    """Call routing scenarios; later releases add them here."""
