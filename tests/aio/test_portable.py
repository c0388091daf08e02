"""The `aio` core's public API passes the same checks under CPython and under MicroPython."""

from pathlib import Path

from aio import host
from hil_tests.micropython import ROOT, run_script
from tests.aio import portable_checks

ALL_CHECKS = [check.__name__.lstrip("_") for check in portable_checks.CHECKS]

# This port's top-level coroutine cannot be woken by `wait_for_ms`'s cancellation, so the
# checks run in a task of their own, as firmware's main task does on a board.
ENTRY = """
import aio
import portable_checks
passed = await aio.create_task(portable_checks.run_checks())
print("passed:", " ".join(passed))
"""


def test_checks_pass_under_cpython_on_the_virtual_clock():
    assert host.run(portable_checks.run_checks(), virtual=True) == ALL_CHECKS


def test_checks_pass_under_micropython(tmp_path: Path):
    entry = tmp_path / "main.py"
    entry.write_text(ENTRY)
    mounts = {ROOT / "aio": "/lib/aio", Path(portable_checks.__file__).parent: "/lib"}
    result = run_script(entry, mounts)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["passed:", *ALL_CHECKS]


def test_a_failing_check_fails_under_micropython(tmp_path: Path):
    entry = tmp_path / "main.py"
    entry.write_text("import aio\nassert aio.ticks_add(1, 1) == 3, 'ticks_add is wrong'\n")
    result = run_script(entry, {ROOT / "aio": "/lib/aio"})
    assert result.returncode == 1
    assert "ticks_add is wrong" in result.stderr


def test_aio_runs_on_micropythons_own_clock(tmp_path: Path):
    entry = tmp_path / "main.py"
    entry.write_text("import sys, aio\nprint(sys.implementation.name, aio.MICROPYTHON)\n")
    result = run_script(entry, {ROOT / "aio": "/lib/aio"})
    assert result.stdout.split() == ["micropython", "True"], result.stderr
