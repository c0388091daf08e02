"""Checks between fields and sections: duplicates, and references to things that do not exist.

Field-level rules live on the models; what needs the whole document lives here, one function
per rule, run in order by `reference_problems`. A new section adds its checks to `CHECKS`.
"""

from __future__ import annotations

from collections.abc import Callable

from firmware.config.errors import FieldError
from firmware.config.schema import Config
from firmware.config.sections.hat import FxoPortConfig
from firmware.config.voicemail import voicemail_problems
from firmware.countries import load_country

Check = Callable[[Config], list[FieldError]]


def employee_problems(config: Config) -> list[FieldError]:
    """Each extension once; each phone belongs to one employee and is an FXS port of the hat."""
    problems: list[FieldError] = []
    extensions: set[str] = set()
    fxs_owner: dict[int, str] = {}
    fxs_ports = {p.port for p in config.hat.ports if p.kind == "fxs"}
    for number, employee in enumerate(config.employees):
        where = f"employees[{number}]"
        if employee.extension in extensions:
            problems.append(
                FieldError(f"{where}.extension", f"{employee.extension} is already used")
            )
        extensions.add(employee.extension)
        for port in employee.fxs_ports:
            if port not in fxs_ports:
                reason = f"port {port} is not an FXS port of the hat"
            elif port in fxs_owner:
                reason = f"port {port} already belongs to extension {fxs_owner[port]}"
            else:
                fxs_owner[port] = employee.extension
                continue
            problems.append(FieldError(f"{where}.fxs_ports", reason))
    return problems


def emergency_problems(config: Config) -> list[FieldError]:
    """No extension starts with the country's emergency number: it could never be dialled."""
    emergency = load_country(config.system.country).emergency_numbers
    problems: list[FieldError] = []
    for number, employee in enumerate(config.employees):
        clash = next((n for n in emergency if employee.extension.startswith(n)), None)
        if clash is not None:
            problems.append(
                FieldError(
                    f"employees[{number}].extension",
                    f"{employee.extension} cannot be dialled: {clash} is the emergency number",
                )
            )
    return problems


def dialplan_problems(config: Config) -> list[FieldError]:
    """The outside-line prefix starts no extension; no two features share a code."""
    problems: list[FieldError] = []
    prefix = config.dialplan.outbound_prefix
    for extension in sorted({employee.extension for employee in config.employees}):
        if extension.startswith(prefix):
            problems.append(
                FieldError(
                    "dialplan.outbound_prefix",
                    f"{prefix} is also how extension {extension} starts: it could not be dialled",
                )
            )
    codes = config.dialplan.feature_codes.model_dump()
    if len(set(codes.values())) != len(codes):
        problems.append(FieldError("dialplan.feature_codes", "two features share one code"))
    return problems


def line_problems(config: Config) -> list[FieldError]:
    """Every extension an exchange line rings exists."""
    extensions = {employee.extension for employee in config.employees}
    problems: list[FieldError] = []
    for index, configured in enumerate(config.hat.ports):
        if isinstance(configured, FxoPortConfig):
            for target in configured.inbound:
                if target not in extensions:
                    problems.append(
                        FieldError(
                            f"hat.ports[{index}].inbound", f"extension {target} does not exist"
                        )
                    )
    return problems


def voicemail_references(config: Config) -> list[FieldError]:
    """Voicemail boxes: each once, owned by employees that exist; its codes clash with none."""
    extensions = {employee.extension for employee in config.employees}
    problems = voicemail_problems(config.voicemail, extensions)
    codes = config.voicemail.codes
    taken = {code: name for name, code in config.dialplan.feature_codes.model_dump().items()}
    taken[config.routing.agent_codes.log_in] = "agent log-in"
    taken[config.routing.agent_codes.log_out] = "agent log-out"
    if codes.own_box == codes.any_box:
        problems.append(FieldError("voicemail.codes.any_box", "is the same as own_box"))
    for name in ("own_box", "any_box"):
        code = getattr(codes, name)
        if code in taken:
            problems.append(
                FieldError(
                    f"voicemail.codes.{name}", f"{code} is already the code for {taken[code]}"
                )
            )
        elif code in extensions:
            problems.append(FieldError(f"voicemail.codes.{name}", f"{code} is an extension"))
    return problems


CHECKS: tuple[Check, ...] = (
    employee_problems,
    emergency_problems,
    dialplan_problems,
    line_problems,
    voicemail_references,
)


def reference_problems(config: Config) -> list[FieldError]:
    """Every problem between fields, in document order of the checks."""
    return [problem for check in CHECKS for problem in check(config)]
