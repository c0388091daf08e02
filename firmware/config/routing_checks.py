"""Checks of the routing section against the rest of the document, as `path: reason`.

Errors: references to things that do not exist (operations, scenarios, call centres,
extensions, lines) and cycles that never reach a step the caller hears. Warnings:
operations no call can reach.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources

from firmware.config.errors import FieldError
from firmware.config.routing import (
    CallCentreStep,
    ExtensionStep,
    GoToScenario,
    Menu,
    OperationConfig,
    PersonalManager,
    RoutingConfig,
    Scenario,
    Voicemail,
)
from firmware.config.schema import Config, FxoPortConfig

Node = tuple[str, str]  # (scenario id, operation id)


def routing_problems(config: Config) -> list[FieldError]:
    routing = config.routing
    extensions = {employee.extension for employee in config.employees}
    problems = list(_duplicate_ids(routing))
    scenario_ids = {scenario.id for scenario in routing.scenarios}
    centre_ids = {centre.id for centre in routing.call_centres}
    for index, scenario in enumerate(routing.scenarios):
        where = f"routing.scenarios[{index}]"
        if scenario.start not in scenario.operations:
            problems.append(
                FieldError(f"{where}.start", f"operation {scenario.start!r} does not exist")
            )
        for name, operation in scenario.operations.items():
            at = f"{where}.operations.{name}"
            problems += _dangling_exits(scenario, operation, at)
            problems += _dangling_targets(operation, at, extensions, scenario_ids, centre_ids)
    for index, centre in enumerate(routing.call_centres):
        for number, member in enumerate(centre.members):
            if member.extension not in extensions:
                problems.append(
                    FieldError(
                        f"routing.call_centres[{index}].members[{number}].extension",
                        f"extension {member.extension} does not exist",
                    )
                )
    problems += _inbound_problems(config, scenario_ids, extensions)
    for index, contact in enumerate(routing.contacts):
        if contact.manager and contact.manager not in extensions:
            problems.append(
                FieldError(
                    f"routing.contacts[{index}].manager",
                    f"extension {contact.manager} does not exist",
                )
            )
    for index, employee in enumerate(config.employees):
        forwarding = employee.calls.forwarding
        for case in ("no_answer", "busy", "port_failed"):
            rule = getattr(forwarding, case)
            if rule.action == "forward" and not _is_target(rule.target, extensions, centre_ids):
                problems.append(
                    FieldError(
                        f"employees[{index}].calls.forwarding.{case}.target",
                        f"{rule.target!r} is neither an extension nor a call centre (cc:<id>)",
                    )
                )
    problems += _agent_code_clashes(config)
    problems += _silent_cycles(routing)
    return problems


def _agent_code_clashes(config: Config) -> list[FieldError]:
    codes = config.routing.agent_codes
    taken = {code: name for name, code in config.dialplan.feature_codes.model_dump().items()}
    problems = []
    if codes.log_in == codes.log_out:
        problems.append(FieldError("routing.agent_codes.log_out", "is the same as log_in"))
    for name in ("log_in", "log_out"):
        code = getattr(codes, name)
        if code in taken:
            problems.append(
                FieldError(
                    f"routing.agent_codes.{name}",
                    f"{code} is already the dial plan's code for {taken[code]}",
                )
            )
    return problems


def routing_warnings(config: Config) -> list[FieldError]:
    """Operations that no call can reach (left over from an edit, usually), and prompts
    that are not built in (they must be uploaded as greetings)."""
    warnings = []
    built_in = _built_in_prompts()
    for index, scenario in enumerate(config.routing.scenarios):
        reached = _reachable(scenario)
        for name, operation in scenario.operations.items():
            prompt = getattr(operation, "prompt", "")
            if prompt and prompt not in built_in:
                warnings.append(
                    FieldError(
                        f"routing.scenarios[{index}].operations.{name}.prompt",
                        f"{prompt!r} is not a built-in prompt: upload a greeting of that name",
                    )
                )
        for name in scenario.operations:
            if name not in reached:
                warnings.append(
                    FieldError(
                        f"routing.scenarios[{index}].operations.{name}",
                        "no exit leads here: no call can reach this operation",
                    )
                )
    return warnings


def _built_in_prompts() -> set[str]:
    """The names in the prompt texts shipped with the system (voice/prompts/texts.tsv)."""
    texts = resources.files("voice") / "prompts" / "texts.tsv"
    lines = texts.read_text(encoding="utf-8").splitlines()[1:]
    return {line.split("\t", 1)[0] for line in lines if line.strip()}


def _duplicate_ids(routing: RoutingConfig) -> Iterator[FieldError]:
    sections = (
        ("scenarios", [scenario.id for scenario in routing.scenarios]),
        ("call_centres", [centre.id for centre in routing.call_centres]),
    )
    for section, ids in sections:
        seen: set[str] = set()
        for index, item_id in enumerate(ids):
            if item_id in seen:
                yield FieldError(f"routing.{section}[{index}].id", f"{item_id} is already used")
            seen.add(item_id)


def _dangling_exits(scenario: Scenario, operation: OperationConfig, at: str) -> list[FieldError]:
    problems = []
    links = [(f"exits.{name}", target) for name, target in operation.exits.items()]
    if isinstance(operation, Menu):
        links += [(f"keys.{key}", target) for key, target in operation.keys.items()]
    for link, target in links:
        if target not in scenario.operations:
            problems.append(FieldError(f"{at}.{link}", f"operation {target!r} does not exist"))
    for name in operation.FINAL_EXITS:
        if name in operation.exits:
            problems.append(
                FieldError(
                    f"{at}.exits.{name}",
                    "an answered call belongs to the people talking: nothing follows it",
                )
            )
    return problems


def _dangling_targets(
    operation: OperationConfig,
    at: str,
    extensions: set[str],
    scenario_ids: set[str],
    centre_ids: set[str],
) -> list[FieldError]:
    problems = []

    def need(field: str, value: str, known: set[str], what: str) -> None:
        if value and value not in known:
            problems.append(FieldError(f"{at}.{field}", f"{what} {value} does not exist"))

    if isinstance(operation, GoToScenario):
        need("scenario", operation.scenario, scenario_ids, "scenario")
    elif isinstance(operation, CallCentreStep):
        need("call_centre", operation.call_centre, centre_ids, "call centre")
    elif isinstance(operation, ExtensionStep):
        need("extension", operation.extension, extensions, "extension")
    elif isinstance(operation, Voicemail):
        need("box", operation.box, extensions, "extension")
    elif isinstance(operation, PersonalManager):
        need("default_target", operation.default_target, extensions, "extension")
        for number, excluded in enumerate(operation.exclusions):
            need(f"exclusions[{number}]", excluded, extensions, "extension")
        if "crm" in operation.sources and operation.crm is None:
            problems.append(FieldError(f"{at}.crm", "the crm source needs a web hook"))
    return problems


def _inbound_problems(
    config: Config, scenario_ids: set[str], extensions: set[str]
) -> list[FieldError]:
    inbound = config.routing.inbound
    problems = []
    fxo_ports = {port.port for port in config.hat.ports if isinstance(port, FxoPortConfig)}
    for index, route in enumerate(inbound.routes):
        where = f"routing.inbound.routes[{index}]"
        if route.scenario not in scenario_ids:
            problems.append(
                FieldError(f"{where}.scenario", f"scenario {route.scenario} does not exist")
            )
        if route.line is not None and route.line not in fxo_ports:
            problems.append(
                FieldError(f"{where}.line", f"port {route.line} is not an FXO line of the hat")
            )
    if inbound.default_scenario is not None and inbound.default_scenario not in scenario_ids:
        problems.append(
            FieldError(
                "routing.inbound.default_scenario",
                f"scenario {inbound.default_scenario} does not exist",
            )
        )
    for index, prefix_route in enumerate(inbound.by_caller_prefix):
        if prefix_route.scenario not in scenario_ids:
            problems.append(
                FieldError(
                    f"routing.inbound.by_caller_prefix[{index}].scenario",
                    f"scenario {prefix_route.scenario} does not exist",
                )
            )
    for index, vip in enumerate(inbound.vip):
        if vip.extension not in extensions:
            problems.append(
                FieldError(
                    f"routing.inbound.vip[{index}].extension",
                    f"extension {vip.extension} does not exist",
                )
            )
    return problems


def _is_target(target: str, extensions: set[str], centre_ids: set[str]) -> bool:
    if target.startswith("cc:"):
        return target[3:] in centre_ids
    return target in extensions


def _next_nodes(routing: RoutingConfig, scenario: Scenario, name: str) -> list[Node]:
    operation = scenario.operations[name]
    targets = list(operation.exits.values())
    if isinstance(operation, Menu):
        targets += list(operation.keys.values())
    nodes = [(scenario.id, target) for target in targets if target in scenario.operations]
    if isinstance(operation, GoToScenario):
        other = routing.scenario(operation.scenario)
        if other is not None and other.start in other.operations:
            nodes.append((other.id, other.start))
    return nodes


def _silent_cycles(routing: RoutingConfig) -> list[FieldError]:
    """Cycles made only of steps the caller never hears (time checks, jumps)."""
    silent: dict[Node, OperationConfig] = {
        (scenario.id, name): operation
        for scenario in routing.scenarios
        for name, operation in scenario.operations.items()
        if not operation.CALLER_FACING
    }
    scenarios = {scenario.id: scenario for scenario in routing.scenarios}
    index_of = {scenario.id: index for index, scenario in enumerate(routing.scenarios)}
    problems: list[FieldError] = []
    reported: set[Node] = set()
    state: dict[Node, int] = {}  # 1: on the current path, 2: done

    def visit(node: Node, path: list[Node]) -> None:
        state[node] = 1
        path.append(node)
        for nxt in _next_nodes(routing, scenarios[node[0]], node[1]):
            if nxt not in silent:
                continue
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt) :]
                if not reported.intersection(cycle):
                    reported.update(cycle)
                    shown = " → ".join(f"{s}/{o}" for s, o in [*cycle, nxt])
                    problems.append(
                        FieldError(
                            f"routing.scenarios[{index_of[nxt[0]]}].operations.{nxt[1]}",
                            f"goes round a cycle the caller never hears anything in ({shown})",
                        )
                    )
            elif nxt not in state:
                visit(nxt, path)
        path.pop()
        state[node] = 2

    for node in silent:
        if node not in state:
            visit(node, [])
    return problems


def _reachable(scenario: Scenario) -> set[str]:
    reached: set[str] = set()
    todo = [scenario.start]
    while todo:
        name = todo.pop()
        if name in reached or name not in scenario.operations:
            continue
        reached.add(name)
        operation = scenario.operations[name]
        todo += list(operation.exits.values())
        if isinstance(operation, Menu):
            todo += list(operation.keys.values())
    return reached
