"""Who is behind a number or a port: employees, their phones, their do-not-disturb, and each
port's settings — the configuration's lookups, compiled once per configuration."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from firmware.config.schema import Config, Employee, FxoPortConfig, FxsPortConfig
from firmware.countries import CountryProfile

if TYPE_CHECKING:
    from firmware.engine.fxs_line import FxsLine

log = logging.getLogger(__name__)


class Directory:
    def __init__(
        self, phones: Mapping[int, FxsLine], save_config: Callable[[Config], None]
    ) -> None:
        self._phones = phones  # the FXS lines by port, filled as ports are attached
        self._save_config = save_config
        self._config: Config | None = None
        self._employees_by_port: dict[int, Employee] = {}
        self._caller_id_standard = ""

    def apply(self, config: Config, country: CountryProfile) -> None:
        self._config = config
        self._employees_by_port = {
            port: employee for employee in config.employees for port in employee.fxs_ports
        }
        self._caller_id_standard = country.caller_id.standard

    @property
    def config(self) -> Config:
        assert self._config is not None, "apply() a configuration first"
        return self._config

    def port_config(self, index: int) -> FxsPortConfig | FxoPortConfig | None:
        return self.config.hat.port(index)

    def employee_for_port(self, index: int) -> Employee | None:
        return self._employees_by_port.get(index)

    def phones_of(self, employee: Employee | None) -> list[FxsLine]:
        if employee is None:
            return []
        return [self._phones[port] for port in employee.fxs_ports if port in self._phones]

    def endpoints_for_extension(self, extension: str) -> list[FxsLine]:
        return self.phones_of(self.config.employee_for_extension(extension))

    def port_of(self, endpoint: object) -> int | None:
        port = getattr(endpoint, "port", None)
        return getattr(port, "index", None)

    def pickup_group_phones(self, picker: FxsLine) -> list[FxsLine]:
        """The other phones of the picker's pickup group."""
        mine = self.employee_for_port(picker.port.index)
        group = mine.pickup_group if mine is not None else None
        return [
            line
            for index, line in self._phones.items()
            if line is not picker
            and (employee := self.employee_for_port(index)) is not None
            and employee.pickup_group == group
        ]

    def is_dnd(self, extension: str) -> bool:
        employee = self.config.employee_for_extension(extension)
        return bool(employee and employee.do_not_disturb)

    def set_dnd(self, extension: str, on: bool) -> None:
        """Do-not-disturb from a feature code: saved like any other change."""
        document = self.config.model_dump(mode="json")
        for employee in document["employees"]:
            if employee["extension"] == extension:
                employee["do_not_disturb"] = on
        self._save_config(Config.model_validate(document))
        log.info("extension %s: do-not-disturb %s", extension, "on" if on else "off")

    def caller_id_standard_for(self, port: int) -> str:
        """The caller-ID standard an exchange line uses: its own setting, else the country's."""
        settings = self.port_config(port)
        if isinstance(settings, FxoPortConfig) and settings.caller_id != "country":
            return settings.caller_id
        return self._caller_id_standard
