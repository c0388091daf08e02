"""Finding a caller's personal manager: the address book, the call history, a CRM hook,
in the order the operation lists them; excluded extensions are never chosen."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

import aio
from firmware.config.routing import PersonalManager
from firmware.routing.crm import ask_crm
from firmware.routing.numbers import normalise, number_key
from firmware.routing.plan import RoutingPlan

log = logging.getLogger(__name__)
DAY_S = 86400


class PartnerHistory(Protocol):
    async def recent_partners(self, number_key: str, since: float) -> list[str]: ...


@dataclass(frozen=True)
class Found:
    extension: str
    source: str  # address_book / history / crm / default


class ManagerFinder:
    def __init__(self, history: PartnerHistory | None = None) -> None:
        self.history = history

    async def find(self, operation: PersonalManager, plan: RoutingPlan, caller: str) -> Found:
        excluded = set(operation.exclusions)

        def usable(extension: str) -> bool:
            return bool(extension) and extension in plan.employees and extension not in excluded

        key = number_key(caller, operation.city_code)
        for source in operation.sources:
            candidates: list[str] = []
            if source == "address_book":
                contact = plan.contacts.get(key)
                candidates = [contact.manager] if contact is not None else []
            elif source == "history" and self.history is not None:
                since = aio.wall_time() - operation.look_back_days * DAY_S
                candidates = await self.history.recent_partners(key, since)
            elif source == "crm" and operation.crm is not None:
                candidates = [await ask_crm(operation.crm, normalise(caller, operation.city_code))]
            chosen = next((extension for extension in candidates if usable(extension)), "")
            if chosen:
                return Found(chosen, source)
        if operation.default_target in plan.employees:
            return Found(operation.default_target, "default")
        return Found("", "")
