"""The layer rules in .importlinter hold on the tree, and each one catches its violation.

Each rule is proved able to fail on a copy of the source tree (Python files only) with one
forbidden import added, checked by the same `lint-imports` that `make lint` runs.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ROOT_PACKAGES = ("aio", "voice", "drivers", "firmware", "web_ui")
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
CONTRACT_NAMES = {
    "aio-alone": "aio imports nothing of ours",
    "voice-alone": "voice imports nothing of ours",
    "drivers-below": "drivers never imports firmware, web_ui or voice",
    "sim-behind-factory": "only drivers.sim itself and the hat factory choice",
    "firmware-below-web": "firmware never imports web_ui",
    "web-ui-thin": "web_ui imports only the control client",
    "supervision-below-routing": "line supervision never imports routing",
}


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tree,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def verdicts(output: str) -> dict[str, str]:
    """Contract id -> KEPT or BROKEN, read from lint-imports' summary."""
    flat = " ".join(output.split())
    found = {}
    for contract, name in CONTRACT_NAMES.items():
        match = re.search(re.escape(name) + r".*? (KEPT|BROKEN)", flat)
        assert match, f"{contract} is not in the output:\n{output}"
        found[contract] = match.group(1)
    return found


@pytest.fixture(scope="module")
def source_copy(tmp_path_factory):
    """The packages' Python files, the contracts and the contract type, outside the repo."""
    tree = tmp_path_factory.mktemp("tree")

    def not_python(directory, names):
        return [n for n in names if not n.endswith(".py") and not (Path(directory) / n).is_dir()]

    for package in ROOT_PACKAGES:
        shutil.copytree(REPO / package, tree / package, ignore=not_python)
    (tree / "tests" / "architecture").mkdir(parents=True)
    for name in ("tests/__init__.py", "tests/architecture/__init__.py"):
        (tree / name).write_text("")
    shutil.copy(REPO / "tests/architecture/only_imports.py", tree / "tests/architecture")
    shutil.copy(REPO / ".importlinter", tree)
    return tree


def test_the_tree_keeps_every_layer_contract():
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert set(verdicts(result.stdout).values()) == {"KEPT"}


# (contract, file, import added, files created first)
VIOLATIONS = [
    ("aio-alone", "aio/host.py", "from firmware import paths", {}),
    ("voice-alone", "voice/g711.py", "import aio", {}),
    ("drivers-below", "drivers/pcm.py", "from voice import g711", {}),
    ("drivers-below", "drivers/hat.py", "from firmware.config import Config", {}),
    ("sim-behind-factory", "drivers/fxo.py", "from drivers.sim.chip import ChipEmulator", {}),
    ("firmware-below-web", "firmware/cli.py", "from web_ui import process", {}),
    ("web-ui-thin", "web_ui/app.py", "from firmware.engine import status", {}),
    # Indirect: an allowed module that starts importing the engine drags web_ui along.
    ("web-ui-thin", "firmware/paths.py", "import firmware.engine.calls", {}),
    (
        "supervision-below-routing",
        "firmware/engine/fxs_line.py",
        "from firmware.routing import runner",
        {"firmware/routing/__init__.py": "", "firmware/routing/runner.py": "import aio\n"},
    ),
]


@pytest.mark.parametrize(("contract", "module", "statement", "created"), VIOLATIONS)
def test_a_forbidden_import_breaks_its_contract_and_only_that_one(
    source_copy, contract, module, statement, created
):
    path = source_copy / module
    original = path.read_text()
    made = [name for name in created if not (source_copy / name).exists()]  # keep the real ones
    for name in made:
        (source_copy / name).parent.mkdir(parents=True, exist_ok=True)
        (source_copy / name).write_text(created[name])
    path.write_text(original + f"\n{statement}  # the forbidden import\n")
    try:
        result = lint_imports(source_copy)
    finally:
        path.write_text(original)
        for name in made:
            (source_copy / name).unlink()
    assert result.returncode == 1, result.stdout + result.stderr
    broken = [name for name, verdict in verdicts(result.stdout).items() if verdict == "BROKEN"]
    assert broken == [contract], result.stdout


def test_routing_may_exist_and_import_line_supervision(source_copy):
    """The routing rule binds only one way: routing drives calls, supervision never asks it."""
    routing = source_copy / "firmware" / "routing"
    probe = routing / "supervision_probe.py"
    probe.write_text("from firmware.engine import fxs_line\n")
    try:
        result = lint_imports(source_copy)
    finally:
        probe.unlink(missing_ok=True)
    assert result.returncode == 0, result.stdout + result.stderr
