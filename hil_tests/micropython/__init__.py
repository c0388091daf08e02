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


FIXTURE_RUNNER = Path(__file__).with_name("fixture.mjs")


def run_on_virtual_clock(
    script: Path, mounts: dict[Path, str], timeout_s: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run `script` with timers and `Date.now` on a clock that jumps to each next timer
    at once (the fixture runner with nothing on its link but the clock)."""
    import json
    import os
    import tempfile

    check_installed()
    to_script_r, to_script_w = os.pipe()
    from_script_r, from_script_w = os.pipe()
    command = ["node", str(FIXTURE_RUNNER), "--link-in", str(to_script_r)]
    command += ["--link-out", str(from_script_w)]
    for host, target in mounts.items():
        command += ["--mount", f"{host}={target}"]
    # Output goes to files: the link is served first, and a full pipe would stall the script.
    with tempfile.TemporaryFile("w+") as stdout, tempfile.TemporaryFile("w+") as stderr:
        process = subprocess.Popen(
            [*command, str(script)],
            stdout=stdout,
            stderr=stderr,
            pass_fds=(to_script_r, from_script_w),
        )
        os.close(to_script_r)
        os.close(from_script_w)
        with os.fdopen(from_script_r, "rb") as requests, os.fdopen(to_script_w, "wb") as replies:
            for line in requests:
                message = json.loads(line)
                if message.get("op") != "idle":
                    process.kill()
                    raise RuntimeError(f"a script on the bare clock asked for {message}")
                reply = {"now": message["next"], "serial": "", "inputs": None}
                replies.write(json.dumps(reply).encode() + b"\n")
                replies.flush()
        process.wait(timeout=timeout_s)
        stdout.seek(0)
        stderr.seek(0)
        return subprocess.CompletedProcess(
            process.args, process.returncode, stdout.read(), stderr.read()
        )
