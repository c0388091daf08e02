import subprocess
import sys

from firmware.config.defaults import default_config
from firmware.config.document import dump


def run_check(path):
    return subprocess.run(
        [sys.executable, "-m", "firmware", "config", "check", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_config_check_lists_each_problem_as_path_and_reason_and_fails(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        dump(default_config())
        .replace("extension: '102'", "extension: 'abc'")
        .replace("timezone: UTC", "timezone: Atlantis/Central")
    )
    result = run_check(bad)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "system.timezone: unknown time zone 'Atlantis/Central'; use a name like Europe/Moscow",
        "employees[1].extension: 'abc' must be 2 to 6 digits, e.g. 101",
        f"{bad}: 2 problem(s)",
    ]


def test_config_check_accepts_a_valid_file(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text(dump(default_config()))
    result = run_check(good)
    assert result.returncode == 0
    assert result.stdout.strip() == f"{good}: valid"


def test_config_check_reports_a_yaml_syntax_error_with_its_line(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("system:\n  name: [unclosed\n")
    result = run_check(broken)
    assert result.returncode == 1
    assert result.stderr.splitlines()[0].startswith("line 3, column 1: YAML syntax:")


def test_config_check_warns_of_operations_no_call_can_reach(tmp_path):
    text = dump(default_config()).replace(
        "      after_hours:\n", "      unused:\n        type: fax\n      after_hours:\n"
    )
    orphan = tmp_path / "orphan.yaml"
    orphan.write_text(text)
    result = run_check(orphan)
    assert result.returncode == 0
    assert result.stderr.splitlines() == [
        "warning: routing.scenarios[0].operations.unused: no exit leads here: no call can "
        "reach this operation"
    ]


def test_config_template_prints_a_valid_configuration_with_that_routing(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "firmware", "config", "template", "call_centre"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    written = tmp_path / "call-centre.yaml"
    written.write_text(result.stdout)
    assert run_check(written).returncode == 0
    assert "strategy: in_turn" in result.stdout


def test_config_template_explains_why_a_base_does_not_fit(tmp_path):
    base = tmp_path / "base.yaml"
    base.write_text(dump(default_config()).replace("extension: '104'", "extension: '105'"))
    result = subprocess.run(
        [sys.executable, "-m", "firmware", "config", "template", "call_centre", "--base", base],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "routing.call_centres[0].members[3].extension: extension 104 does not exist" in (
        result.stderr
    )
