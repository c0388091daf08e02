"""The installed package (the image's venv) carries every data file the code reads: a file
missing from the wheel only shows on the appliance, as a crash."""

import fnmatch
import subprocess
import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[2]
# Translation templates are for translators, not read at run time.
NOT_INSTALLED = {".pot"}


def test_every_data_file_of_the_packages_goes_into_the_wheel():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = project["tool"]["setuptools"]["package-data"]["*"]
    included = project["tool"]["setuptools"]["packages"]["find"]["include"]
    # The appliance's packages (the HIL suite runs on a test PC, not on the unit).
    packages = [pattern.rstrip("*") for pattern in included if pattern != "hil_tests*"]
    tracked = subprocess.run(
        ["git", "ls-files", *packages], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    data = [Path(name) for name in tracked if not name.endswith(".py")]
    left_out = [
        str(path)
        for path in data
        if path.suffix not in NOT_INSTALLED
        and not any(fnmatch.fnmatch(path.name, pattern) for pattern in patterns)
    ]
    assert "voice/prompts/texts.tsv" in map(str, data)
    assert left_out == []
