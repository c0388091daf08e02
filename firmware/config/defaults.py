"""The configuration a new appliance starts with: the reference hat, 4 FXS + 2 FXO, and the
"orders and support" routing template."""

from __future__ import annotations

from firmware.config.schema import (
    Config,
    Employee,
    FxoPortConfig,
    FxsPortConfig,
    HatConfig,
)
from firmware.config.templates import DEFAULT_TEMPLATE, load_template

REFERENCE_FXS_PORTS = (0, 1, 2, 3)
REFERENCE_FXO_PORTS = (4, 5)
FIRST_EXTENSION = 101


def default_config() -> Config:
    fxs = [
        FxsPortConfig(port=port, label=f"Phone {number}")
        for number, port in enumerate(REFERENCE_FXS_PORTS, start=1)
    ]
    employees = [
        Employee(
            extension=str(FIRST_EXTENSION + number),
            name=f"Extension {FIRST_EXTENSION + number}",
            fxs_ports=[port],
        )
        for number, port in enumerate(REFERENCE_FXS_PORTS)
    ]
    fxo = [  # no extensions of their own: their calls follow the template's scenario
        FxoPortConfig(port=port, label=f"Line {number}")
        for number, port in enumerate(REFERENCE_FXO_PORTS, start=1)
    ]
    config = Config(hat=HatConfig(ports=[*fxs, *fxo]), employees=employees)
    routing = load_template(DEFAULT_TEMPLATE, country=config.system.country)
    return config.model_copy(update={"routing": routing})
