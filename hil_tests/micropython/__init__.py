"""Running Python code under MicroPython's WebAssembly port (installed by `make micropython`)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNNER = Path(__file__).with_name("run.mjs")
PORT_DIR = ROOT / ".cache/micropython/node_modules/@micropython/micropython-webassembly-pyscript"


class MicroPythonMissing(RuntimeError):
    pass


def check_installed() -> None:
    if shutil.which("node") is None:
        raise MicroPythonMissing("Node.js is not installed; run `make micropython`")
    if not (PORT_DIR / "micropython.wasm").is_file():
        raise MicroPythonMissing(
            f"MicroPython's WebAssembly port is not in {PORT_DIR}; run `make micropython`"
        )


def node_command(script: Path, mounts: dict[Path, str]) -> list[str]:
    """The command line that runs `script` with each host directory copied to its target."""
    check_installed()
    command = ["node", str(RUNNER)]
    for host, target in mounts.items():
        command += ["--mount", f"{host}={target}"]
    return [*command, str(script)]


def run_script(
    script: Path, mounts: dict[Path, str], timeout_s: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        node_command(script, mounts), capture_output=True, text=True, timeout=timeout_s, check=False
    )
