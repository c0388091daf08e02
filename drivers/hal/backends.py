"""Lazy imports of the real hat's Python packages (the optional `.[hw]` extra).

The simulated hat needs none of them, so they are imported only when a real device is
opened, and a missing one is an error that says what to install.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

from drivers.hal.errors import BackendMissing, DeviceNotFound


def import_backend(module: str, package: str) -> ModuleType:
    """Import `module` of the pip `package`, or explain how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise BackendMissing(
            f"the real hat needs the Python package {package!r} ({error}); install the "
            "hardware extra: pip install 'switchboard[hw]'"
        ) from error


def require_node(path: str, what: str, advice: str) -> None:
    """Raise `DeviceNotFound` naming the device node when it does not exist."""
    if not os.path.exists(path):
        raise DeviceNotFound(f"{what} {path} not found: {advice}")
