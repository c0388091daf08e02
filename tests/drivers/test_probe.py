"""`switchboard hw ...` commands on the simulated hat and on image files."""

import argparse
import json

import pytest

from aio import host
from drivers.eeprom import parse_image
from drivers.sim.hat import SimulatedHat
from firmware.commands import hw


def switchboard(*argv):
    parser = argparse.ArgumentParser(prog="switchboard")
    hw.add_parser(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.handler(args)


def table_rows(output):
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("PORT"))
    rows = []
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        rows.append(line.split())
    return lines[start].split(), rows


def test_probe_on_the_simulated_hat_prints_every_port_with_chip_health_and_measurements(capsys):
    assert switchboard("hw", "probe", "--sim") == 0
    output = capsys.readouterr().out
    assert output.startswith("simulated hat: Switchboard hat 4FXS+2FXO, serial SIM-000001")
    header, rows = table_rows(output)
    assert header == ["PORT", "KIND", "TS", "CHIP", "HEALTH", "STATE", "MEASUREMENTS"]
    assert [row[:3] for row in rows] == [
        ["0", "FXS", "0"],
        ["1", "FXS", "1"],
        ["2", "FXS", "2"],
        ["3", "FXS", "3"],
        ["4", "FXO", "4"],
        ["5", "FXO", "5"],
    ]
    for row in rows[:4]:
        assert row[3] == "Si3215" and row[4] == "rev"
        line = " ".join(row)
        assert " OK idle battery -" in line and "loop current 0.0 mA" in line
    for row in rows[4:]:
        assert row[3] == "Si3050"
        assert "line 48.0 V" in " ".join(row)
    assert "FXS calibration results (ProSLIC registers 98-107):" in output
    assert output.count("  port ") == 4
    assert output.rstrip().endswith("6 of 6 ports OK")


def test_probe_lists_a_failed_port_with_its_reason():
    sim = SimulatedHat()
    sim.remove_chip(1)
    result = host.run(hw.probe(sim.factory), virtual=True)
    text = hw.format_probe(result, simulated=True)
    _, rows = table_rows(text)
    assert rows[1][:5] == ["1", "FXS", "1", "absent", "FAILED"]
    assert "\nport 1 FAILED: " in text
    assert text.rstrip().endswith("5 of 6 ports OK")
    assert 1 not in result.calibration


def test_probe_json_carries_the_same_facts(capsys):
    assert switchboard("hw", "probe", "--sim", "--layout", "2fxs2fxo", "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["simulated"] is True
    assert [(p["index"], p["kind"], p["health"]) for p in report["ports"]] == [
        (0, "fxs", "ok"),
        (1, "fxs", "ok"),
        (2, "fxo", "ok"),
        (3, "fxo", "ok"),
    ]
    assert len(report["ports"][0]["calibration"]) == 10
    assert report["ports"][2]["measurements"]["line_volts"] == pytest.approx(48.0)


def test_probe_of_a_real_hat_that_is_not_there_says_what_to_enable(capsys):
    assert switchboard("hw", "probe", "--hw") == 1
    assert "/dev/i2c-0 not found" in capsys.readouterr().err


def test_probe_with_auto_in_the_environment_finds_no_hat_here_and_uses_the_simulated_one(
    capsys, monkeypatch
):
    monkeypatch.setenv("SWITCHBOARD_HAL", "auto")  # as for the engine: look for the hat
    assert switchboard("hw", "probe") == 0
    assert capsys.readouterr().out.startswith("simulated hat:")


def test_eeprom_image_writes_a_valid_image_for_the_chosen_layout_and_serial(tmp_path, capsys):
    path = tmp_path / "hat.eep"
    code = switchboard(
        "hw", "eeprom-image", "--layout", "4fxs4fxo", "--serial", "SB-0042", "-o", str(path)
    )
    assert code == 0
    description = parse_image(path.read_bytes())
    assert description.layout.name == "4fxs4fxo"
    assert description.layout.serial == "SB-0042"
    assert len(description.layout.ports) == 8
    assert "SB-0042" in capsys.readouterr().out


def test_eeprom_image_without_a_serial_makes_up_a_distinct_one_per_board(tmp_path):
    serials = set()
    for name in ("a.eep", "b.eep"):
        assert switchboard("hw", "eeprom-image", "-o", str(tmp_path / name)) == 0
        serials.add(parse_image((tmp_path / name).read_bytes()).layout.serial)
    assert len(serials) == 2


def test_eeprom_read_decodes_a_file_and_the_simulated_hat(tmp_path, capsys):
    path = tmp_path / "hat.eep"
    switchboard("hw", "eeprom-image", "--serial", "SB-9", "-o", str(path))
    capsys.readouterr()
    assert switchboard("hw", "eeprom-read", str(path)) == 0
    from_file = capsys.readouterr().out
    assert "serial   SB-9" in from_file
    assert "4     FXO   Si3050  4   4   GPIO13" in from_file
    assert switchboard("hw", "eeprom-read", "--sim") == 0
    assert "serial   SIM-000001" in capsys.readouterr().out


def test_eeprom_read_of_a_corrupt_file_explains_the_damage(tmp_path, capsys):
    path = tmp_path / "hat.eep"
    switchboard("hw", "eeprom-image", "--serial", "SB-9", "-o", str(path))
    damaged = bytearray(path.read_bytes())
    damaged[40] ^= 0x01
    path.write_bytes(bytes(damaged))
    assert switchboard("hw", "eeprom-read", str(path)) == 1
    assert "fails its CRC check" in capsys.readouterr().err


def test_eeprom_flash_refuses_an_invalid_image_and_flashes_a_valid_one(tmp_path, capsys):
    bad = tmp_path / "bad.eep"
    bad.write_bytes(b"R-Pi\x01\x00")
    assert switchboard("hw", "eeprom-flash", str(bad), "--sim") == 1
    assert "truncated" in capsys.readouterr().err
    good = tmp_path / "good.eep"
    switchboard("hw", "eeprom-image", "--serial", "SB-5", "-o", str(good))
    assert switchboard("hw", "eeprom-flash", str(good), "--sim") == 0
    assert "flashed and verified" in capsys.readouterr().out


def test_layout_is_refused_for_the_real_hat(capsys):
    assert switchboard("hw", "probe", "--hw", "--layout", "2fxs2fxo") == 2
    assert "--layout chooses a simulated hat" in capsys.readouterr().err
