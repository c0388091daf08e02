"""Emergency numbers reach the exchange the way people dial them, prefix or not."""

from firmware.config.defaults import default_config
from firmware.simulator import SimulatedAppliance


def test_dialling_911_without_the_outside_prefix_reaches_the_exchange():
    with SimulatedAppliance() as pbx:
        phone = pbx.phone("101")
        phone.off_hook()
        pbx.run_for(0.5)
        phone.dial("911")
        pbx.run_for(4)
        assert pbx.line(0).digits_received() == "911"


def test_an_extension_that_starts_with_the_emergency_number_is_refused():
    document = default_config().model_dump(mode="json")
    document["system"]["country"] = "RU"
    document["employees"][3]["extension"] = "1120"
    document["routing"]["call_centres"][1]["members"][1]["extension"] = "1120"  # 104's team
    from firmware.config import ConfigError
    from firmware.config.document import validate

    try:
        validate(document)
    except ConfigError as refused:
        assert [str(e) for e in refused.errors] == [
            "employees[3].extension: 1120 cannot be dialled: 112 is the emergency number"
        ]
    else:
        raise AssertionError("the configuration was accepted")
