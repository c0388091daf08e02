"""What a saved configuration changes at once, and what waits for a restart."""

from __future__ import annotations

from firmware.simulator import SimulatedAppliance
from tests.firmware.engine.test_inbound import config


def restart_required(pbx: SimulatedAppliance) -> bool:
    return pbx.status()["system"]["restart_required"]


def test_a_country_change_asks_for_a_restart_until_it_is_undone_or_done(tmp_path):
    with SimulatedAppliance(config("US"), data_dir=tmp_path) as pbx:
        renamed = config("US")
        renamed["system"]["name"] = "Front desk"
        pbx.save_config(renamed)
        assert not restart_required(pbx)  # nothing the chips use
        pbx.save_config(config("GB"))
        assert restart_required(pbx)  # G.711 law, DAA termination, ring frequency
        pbx.save_config(config("US"))
        assert not restart_required(pbx)
        pbx.save_config(config("GB"))
    with SimulatedAppliance(data_dir=tmp_path) as restarted:
        assert restarted.status()["system"]["country"] == "GB"
        assert not restart_required(restarted)
