"""The routing view of one configuration: built once when a config is applied.

A call keeps the plan it started with, so saving a new config never changes a call that is
already being routed.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from firmware.config.routing import CallCentre, Contact, Scenario
from firmware.config.schema import Config, Employee
from firmware.routing.numbers import number_key
from firmware.verbs import OfferMode, OfferTarget


@dataclass
class RoutingPlan:
    config: Config
    employees: dict[str, Employee] = field(default_factory=dict)
    scenarios: dict[str, Scenario] = field(default_factory=dict)
    call_centres: dict[str, CallCentre] = field(default_factory=dict)
    contacts: dict[str, Contact] = field(default_factory=dict)  # by number_key

    @classmethod
    def from_config(cls, config: Config) -> RoutingPlan:
        routing = config.routing
        return cls(
            config=config,
            employees={employee.extension: employee for employee in config.employees},
            scenarios={scenario.id: scenario for scenario in routing.scenarios},
            call_centres={centre.id: centre for centre in routing.call_centres},
            contacts={number_key(contact.number): contact for contact in routing.contacts},
        )

    @property
    def language(self) -> str:
        return self.config.system.language

    @property
    def timezone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.config.system.timezone)

    def local_time(self, wall_time: float, timezone: str | None = None) -> dt.datetime:
        zone = zoneinfo.ZoneInfo(timezone) if timezone else self.timezone
        return dt.datetime.fromtimestamp(wall_time, tz=zone)

    def employee_language(self, extension: str) -> str:
        employee = self.employees.get(extension)
        return (employee.language if employee else None) or self.language

    def unavailable_reason(self, employee: Employee, wall_time: float) -> str:
        """Why `employee` cannot take calls now ("" when they can): DND, absence, hours."""
        if employee.do_not_disturb:
            return "do_not_disturb"
        now = self.local_time(wall_time)
        if any(absence.covers(now.date()) for absence in employee.calls.absences):
            return "absent"
        schedule = employee.calls.schedule
        if schedule is not None and not schedule.is_open_at(now):
            return "off_hours"
        return ""

    def targets_for(
        self, employee: Employee, *, ring_s: float, external: bool = True
    ) -> tuple[list[OfferTarget], OfferMode]:
        """What to ring for `employee`: desk phones, then (if wanted) outside numbers."""
        calls = employee.calls
        in_order = calls.ring == "in_order"
        each_s = calls.device_answer_s if in_order else ring_s
        if in_order:
            targets = [
                OfferTarget(
                    extension=employee.extension,
                    device_port=port,
                    answer_s=each_s,
                    label=employee.extension,
                )
                for port in employee.fxs_ports
            ]
        elif employee.fxs_ports:  # every desk phone of the extension at once
            targets = [
                OfferTarget(extension=employee.extension, answer_s=each_s, label=employee.extension)
            ]
        else:
            targets = []
        if external:
            targets += [
                OfferTarget(external_number=number, answer_s=each_s, label=employee.extension)
                for number in calls.external_numbers
            ]
        return targets, OfferMode.IN_ORDER if in_order else OfferMode.TOGETHER
