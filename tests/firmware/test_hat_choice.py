"""`--hal auto`: the real hat only when one is there, else the simulated hat, saying why."""

import pytest

from firmware.hat_choice import choose_hal


def hat_eeprom(tmp_path, product):
    path = tmp_path / "product"
    path.write_bytes(product.encode() + b"\0")
    return path


def test_a_switchboard_hat_eeprom_chooses_the_real_hat(tmp_path):
    choice = choose_hal(
        "auto",
        hat_product_path=hat_eeprom(tmp_path, "Switchboard 4FXS+2FXO"),
        spi_path=tmp_path / "no-spi",
        on_pi=True,
    )
    assert choice.hal == "hw"
    assert "Switchboard 4FXS+2FXO" in choice.reason


def test_a_pi_without_hat_runs_the_simulated_hat_and_says_so(tmp_path):
    choice = choose_hal(
        "auto", hat_product_path=tmp_path / "none", spi_path=tmp_path / "no-spi", on_pi=True
    )
    assert choice.hal == "sim"
    assert "no hat found" in choice.reason


def test_someone_elses_hat_is_not_driven(tmp_path):
    choice = choose_hal(
        "auto",
        hat_product_path=hat_eeprom(tmp_path, "Sense HAT"),
        spi_path=tmp_path / "no-spi",
        on_pi=True,
    )
    assert choice.hal == "sim"
    assert "Sense HAT" in choice.reason


def test_a_hat_without_eeprom_but_with_its_overlay_set_by_hand_is_driven(tmp_path):
    spi = tmp_path / "spidev0.0"
    spi.touch()
    choice = choose_hal("auto", hat_product_path=tmp_path / "none", spi_path=spi, on_pi=True)
    assert choice.hal == "hw"


def test_a_virtual_machine_runs_the_simulated_hat(tmp_path):
    spi = tmp_path / "spidev0.0"
    spi.touch()  # SPI devices alone do not make a hat on a machine that is not a Pi
    choice = choose_hal("auto", hat_product_path=tmp_path / "none", spi_path=spi, on_pi=False)
    assert choice.hal == "sim"
    assert "not a Raspberry Pi" in choice.reason


def test_an_explicit_choice_is_kept(tmp_path):
    assert choose_hal("hw", hat_product_path=tmp_path / "none", on_pi=False).hal == "hw"
    assert choose_hal("sim", hat_product_path=hat_eeprom(tmp_path, "Switchboard")).hal == "sim"


def test_auto_in_the_environment_means_auto(tmp_path, monkeypatch):
    monkeypatch.setenv("SWITCHBOARD_HAL", "auto")
    choice = choose_hal(None, hat_product_path=tmp_path / "none", on_pi=False)
    assert choice.hal == "sim"


def test_an_unknown_choice_is_refused_clearly():
    with pytest.raises(ValueError, match="hw, sim or auto"):
        choose_hal("real")
