"""Where an inbound call goes before any scenario: blacklist, VIP callers, caller prefixes,
then the route of its line or dialled number, then the default route."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from firmware.routing.numbers import normalise, number_key, starts_with
from firmware.routing.plan import RoutingPlan
from firmware.verbs import CallView


@dataclass(frozen=True)
class Destination:
    kind: Literal["blacklisted", "vip", "scenario", "none"]
    target: str = ""  # the VIP's extension or the scenario id
    then: str = ""  # for a VIP: the scenario if the extension does not answer
    detect_fax: bool = False  # a fax calling tone moves the call to fax reception


def line_port(line: str) -> int | None:
    """The port of a line name such as "FXO/4"."""
    _, _, number = line.rpartition("/")
    return int(number) if number.isdigit() else None


def choose(plan: RoutingPlan, call: CallView) -> Destination:
    inbound = plan.config.routing.inbound
    caller = call.caller_number
    if caller and any(starts_with(caller, prefix) for prefix in inbound.blacklist):
        return Destination("blacklisted")
    scenario, detect_fax = _scenario_for(plan, call)
    if caller:
        for vip in inbound.vip:
            if starts_with(caller, vip.number):
                return Destination("vip", vip.extension, then=scenario, detect_fax=detect_fax)
    if scenario:
        return Destination("scenario", scenario, detect_fax=detect_fax)
    return Destination("none")


def _scenario_for(plan: RoutingPlan, call: CallView) -> tuple[str, bool]:
    """The scenario for the call, and whether a fax calling tone moves it to fax reception."""
    inbound = plan.config.routing.inbound
    everywhere = inbound.detect_fax
    caller = call.caller_number
    if caller:
        matches = [r for r in inbound.by_caller_prefix if starts_with(caller, r.prefix)]
        if matches:
            best = max(matches, key=lambda route: len(normalise(route.prefix)))
            return best.scenario, everywhere
    dialled = number_key(call.dialled)
    if dialled:
        for route in inbound.routes:
            if route.number and number_key(route.number) == dialled:
                return route.scenario, _detect(route.detect_fax, everywhere)
    port = line_port(call.line)
    for route in inbound.routes:
        if route.line is not None and route.line == port and not route.number:
            return route.scenario, _detect(route.detect_fax, everywhere)
    return inbound.default_scenario or "", everywhere


def _detect(own: bool | None, everywhere: bool) -> bool:
    return everywhere if own is None else own
