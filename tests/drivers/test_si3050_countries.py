import pytest
from pydantic import ValidationError

from drivers.si3050_countries import (
    DaaTermination,
    UnknownTermination,
    load_termination,
    termination_names,
)
from firmware.countries import available_countries, load_country


def test_every_country_profile_names_a_termination_the_daa_table_has():
    for code in available_countries():
        termination = load_country(code).fxo.termination
        assert load_termination(termination).name == termination


def test_the_table_covers_the_required_modes():
    assert {"RU", "UA", "US", "GB", "DE", "TBR21"} <= set(termination_names())


@pytest.mark.parametrize(
    ("name", "acim", "dcv", "mini", "ilim", "rt", "ohs2"),
    [
        ("TBR21", 2, 3, 0, True, False, False),
        ("RU", 0, 0, 3, False, False, False),
        ("US", 0, 3, 0, False, True, False),
        ("GB", 5, 3, 0, True, False, True),
        ("DE", 3, 3, 0, True, False, True),
    ],
)
def test_physical_settings_map_to_the_register_fields(name, acim, dcv, mini, ilim, rt, ohs2):
    termination = load_termination(name)
    fields = (termination.acim, termination.dcv, termination.mini, termination.current_limit)
    assert fields == (acim, dcv, mini, ilim)
    assert (termination.rt, termination.ohs2) == (rt, ohs2)


def test_common_names_are_accepted():
    assert load_termination("uk").name == "GB"
    assert load_termination("FCC").name == "US"
    assert load_termination("ctr21").name == "TBR21"


def test_an_unknown_termination_lists_the_known_ones():
    with pytest.raises(UnknownTermination, match=r"no DAA termination called 'XX'; known: .*TBR21"):
        load_termination("XX")


def test_a_setting_the_chip_cannot_do_is_refused_with_the_allowed_values():
    with pytest.raises(
        ValidationError, match=r"dc_voltage_v must be one of \[3.1, 3.2, 3.35, 3.5\]"
    ):
        DaaTermination.model_validate(
            {
                "name": "XX",
                "description": "test",
                "ac_impedance": "600",
                "dc_voltage_v": 4.0,
                "min_loop_current_ma": 10,
                "current_limit": False,
                "on_hook_speed": "fast",
                "high_ringer_impedance": False,
                "ring_threshold": "normal",
                "full_wave_ring_detect": True,
            }
        )
