"""Routing's place in the layers: it reaches calls only through call control's verbs, and
line supervision knows nothing of it (the import-linter contracts say the same)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
OURS = ("aio", "firmware", "drivers", "voice", "web_ui")
ROUTING_MAY_IMPORT = (
    "aio",
    "drivers.frames",  # the one home of the audio format's constants
    "firmware.config",
    "firmware.verbs",
    "firmware.routing",
    "firmware.storage",
)
LINE_SUPERVISION = ("fxs_line.py", "fxo_line.py", "fxo_outbound.py")


def imports_of(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def test_routing_imports_only_verbs_config_storage_and_aio():
    wrong = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / "firmware/routing").rglob("*.py")
        for name in imports_of(path)
        if name.split(".")[0] in OURS
        and not any(
            name == allowed or name.startswith(f"{allowed}.") for allowed in ROUTING_MAY_IMPORT
        )
    }
    assert not wrong


def test_line_supervision_never_imports_routing():
    for name in LINE_SUPERVISION:
        path = ROOT / "firmware/engine" / name
        if path.exists():
            assert not any(i.startswith("firmware.routing") for i in imports_of(path)), name
