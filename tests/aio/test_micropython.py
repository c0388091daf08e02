"""The portable core of `aio` runs the same checks under MicroPython and CPython.

MicroPython is its WebAssembly port from the npm registry, run by Node; `make micropython`
installs it under `.cache/micropython` (`make test` does so first).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent / "micropython"
PORT = Path(
    os.environ.get(
        "SWITCHBOARD_MICROPYTHON",
        ROOT
        / ".cache/micropython/node_modules/@micropython/micropython-webassembly-pyscript"
        / "micropython.mjs",
    )
)
EXPECTED = [
    "ok sleep_and_clock",
    "ok tasks_and_gather",
    "ok event_and_lock",
    "ok timeout_and_cancel",
    "all ok",
]


def test_the_portable_core_passes_its_checks_under_micropython():
    node = shutil.which("node")
    assert node, "Node.js is needed to run MicroPython's WebAssembly port"
    assert PORT.is_file(), (
        f"MicroPython's WebAssembly port is missing ({PORT}): run make micropython"
    )
    run = subprocess.run(
        [node, str(HERE / "run.mjs"), str(PORT), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "interpreter True"  # it really ran under MicroPython
    assert lines[1:] == EXPECTED, run.stdout + run.stderr


def test_the_same_checks_pass_under_cpython(capsys):
    namespace: dict[str, object] = {}
    exec((HERE / "smoke.py").read_text(), namespace)
    asyncio.run(namespace["main"]())  # type: ignore[operator]
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["interpreter False", *EXPECTED]
