"""Every fax test talks to spandsp's fax machine: skip them where libspandsp2 is missing."""

from __future__ import annotations

import pytest

from bench.spandsp import load_library


@pytest.fixture(autouse=True)
def _need_spandsp() -> None:
    if load_library() is None:
        pytest.skip("libspandsp2 is not installed")
