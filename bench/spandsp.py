"""Loader for Debian's libspandsp2, the reference implementation used in bench/ and tests.

Never a product dependency: only benchmarks and tests compare against it. Each user binds
the functions it needs (`argtypes`/`restype`) on the returned library.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache

LIBRARY_NAMES = ("libspandsp.so.2", "spandsp")


@cache
def load_library() -> ctypes.CDLL | None:
    """The spandsp shared library, or None when libspandsp2 is not installed."""
    for name in LIBRARY_NAMES:
        path = name if name.endswith(".2") else ctypes.util.find_library(name)
        if not path:
            continue
        try:
            return ctypes.CDLL(path)
        except OSError:
            continue
    return None
