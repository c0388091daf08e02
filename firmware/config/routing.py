"""The `routing` section: scenarios for incoming calls, call centres, inbound routes.

A scenario is a graph of operations, each with named exits that lead to other operations of
the same scenario. The exit names of each operation type are the contract the routing runner
keeps (`EXITS`). An exit left unset has a safe default there, so a call always ends with a
person, voicemail or a clear announcement.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from firmware.config.calendar import WeeklySchedule
from firmware.config.strict import StrictModel

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
MENU_KEYS = "0123456789*#"
HOLIDAY_COUNTRIES = ("RU", "UA", "US", "GB", "DE")


def _identifier(value: str) -> str:
    if not _ID.match(value):
        raise ValueError(f"{value!r} must be lower-case letters, digits, - or _, e.g. sales")
    return value


def _digits(value: str) -> str:
    if not value.isdigit():
        raise ValueError(f"{value!r} must be digits only")
    return value


def _prefix(value: str) -> str:
    if not re.fullmatch(r"\+?[0-9]{1,20}", value):
        raise ValueError(f"{value!r} must be the first digits of a phone number, e.g. 8495")
    return value


Identifier = Annotated[str, AfterValidator(_identifier)]
Digits = Annotated[str, AfterValidator(_digits)]
NumberPrefix = Annotated[str, AfterValidator(_prefix)]


class Operation(StrictModel):
    """Common to every operation: its exits (exit name → operation id)."""

    EXITS: ClassVar[tuple[str, ...]] = ()
    # Exits that end routing's work (the call belongs to the parties): never followed.
    FINAL_EXITS: ClassVar[tuple[str, ...]] = ()
    # Whether the caller hears or meets something here (a cycle needs at least one).
    CALLER_FACING: ClassVar[bool] = True

    label: str = Field("", max_length=64)
    exits: dict[str, str] = Field(default_factory=dict)

    @field_validator("exits")
    @classmethod
    def _known_exits(cls, exits: dict[str, str]) -> dict[str, str]:
        for name in exits:
            if name not in cls.EXITS:
                known = ", ".join(cls.EXITS) or "none"
                raise ValueError(f"{name!r} is not an exit of this operation (exits: {known})")
        return exits


class Announcement(Operation):
    EXITS = ("next",)
    type: Literal["announcement"] = "announcement"
    prompt: str = "welcome"
    skip_keys: str = Field("", description="keys that skip the rest of the announcement")


class Menu(Operation):
    EXITS = ("timeout", "invalid", "extension", "wrong_number")
    type: Literal["menu"] = "menu"
    prompt: str = "menu"
    keys: dict[str, str] = Field(default_factory=dict, description="key → operation id")
    timeout_s: float = Field(5.0, ge=1, le=30, description="also the inter-digit interval")
    repeats: int = Field(3, ge=1, le=10, description="times the menu plays before `timeout`")

    @field_validator("keys")
    @classmethod
    def _menu_keys(cls, keys: dict[str, str]) -> dict[str, str]:
        for key in keys:
            if len(key) != 1 or key not in MENU_KEYS:
                raise ValueError(f"{key!r} is not a key; menus use one of {MENU_KEYS}")
        return keys


class WorkingHours(Operation):
    EXITS = ("open", "closed", "holiday")
    CALLER_FACING = False
    type: Literal["working_hours"] = "working_hours"
    schedule: WeeklySchedule = Field(default_factory=WeeklySchedule)
    timezone: str | None = Field(None, description="none: the system's time zone")
    holidays_country: Literal["RU", "UA", "US", "GB", "DE"] | None = None
    holidays: list[dt.date] = Field(default_factory=list, description="extra days off")
    working_days: list[dt.date] = Field(
        default_factory=list, description="days worked although a weekend or holiday"
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                zoneinfo.ZoneInfo(value)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                message = f"unknown time zone {value!r}; use a name like Europe/Moscow"
                raise ValueError(message) from None
        return value


class Pin(Operation):
    EXITS = ("yes", "no")
    type: Literal["pin"] = "pin"
    prompt: str = "enter_pin"
    codes: list[Digits] = Field(min_length=1)
    inter_digit_s: float = Field(5.0, ge=1, le=30)
    attempts: int = Field(3, ge=1, le=10)


class CallCentreStep(Operation):
    EXITS = ("answered", "no_answer", "timeout")
    FINAL_EXITS = ("answered",)
    type: Literal["call_centre"] = "call_centre"
    call_centre: str


class ExtensionStep(Operation):
    EXITS = ("failed", "wrong_number")
    type: Literal["extension"] = "extension"
    extension: str = Field("", description="empty: the extension the caller dialled in a menu")
    ring_s: float | None = Field(None, ge=5, le=600, description="none: the employee's own")


ManagerSource = Literal["address_book", "history", "crm"]
DEFAULT_MANAGER_SOURCES: tuple[ManagerSource, ...] = ("address_book", "history")


class CrmHook(StrictModel):
    url: str = Field(pattern=r"^https?://", description="{number} is replaced by the caller")
    method: Literal["GET", "POST"] = "GET"
    timeout_s: float = Field(2.0, gt=0, le=2.0)
    reply_field: str = Field("extension", description="the JSON field holding the extension")


class PersonalManager(Operation):
    EXITS = ("failed",)
    type: Literal["personal_manager"] = "personal_manager"
    sources: list[ManagerSource] = Field(
        default_factory=lambda: list(DEFAULT_MANAGER_SOURCES),
        min_length=1,
        description="asked in this order; add crm with a web hook",
    )
    look_back_days: int = Field(90, ge=1, le=3650)
    crm: CrmHook | None = None
    city_code: Digits | None = Field(None, description="prefixed to local numbers")
    exclusions: list[str] = Field(default_factory=list, description="never sticky targets")
    ring_external: bool = Field(False, description="also the manager's outside numbers")
    default_target: str = Field("", description="an extension when no manager is found")
    ring_s: float = Field(30.0, ge=5, le=600)


class Voicemail(Operation):
    type: Literal["voicemail"] = "voicemail"
    box: str = Field("", description="an employee's extension; empty: the general box")
    prompt: str = "voicemail_greeting"
    max_message_s: float = Field(120.0, ge=5, le=600)


class FaxReception(Operation):
    type: Literal["fax"] = "fax"
    prompt: str = "fax_reception"
    email: list[str] = Field(default_factory=list)  # who gets the PDF (else the default)
    attach_as: Literal["pdf", "tiff"] = Field("pdf", description="the pages' file in the mail")


class GoToScenario(Operation):
    CALLER_FACING = False
    type: Literal["go_to_scenario"] = "go_to_scenario"
    scenario: str


class HangUp(Operation):
    type: Literal["hang_up"] = "hang_up"
    play: Literal["message", "busy_tone"] = "message"
    prompt: str = "goodbye"


OperationConfig = Annotated[
    Announcement
    | Menu
    | WorkingHours
    | Pin
    | CallCentreStep
    | ExtensionStep
    | PersonalManager
    | Voicemail
    | FaxReception
    | GoToScenario
    | HangUp,
    Field(discriminator="type"),
]


class Scenario(StrictModel):
    id: Identifier
    name: str = Field("", max_length=64)
    language: Literal["en", "ru", "uk"] | None = Field(None, description="none: the system's")
    start: str
    operations: dict[str, OperationConfig] = Field(min_length=1)

    @field_validator("operations")
    @classmethod
    def _operation_ids(cls, operations: dict[str, OperationConfig]) -> dict[str, OperationConfig]:
        for name in operations:
            _identifier(name)
        return operations


class CallCentreMember(StrictModel):
    extension: str
    answer_s: float | None = Field(None, ge=5, le=3600, description="none: the centre's")


class CallCentre(StrictModel):
    """A ring group or queue: members who share the calls."""

    id: Identifier
    name: str = Field("", max_length=64)
    strategy: Literal["ring_all", "in_turn", "linear", "least_recent"] = "ring_all"
    members: list[CallCentreMember] = Field(default_factory=list)
    answer_s: float = Field(20.0, ge=5, le=3600, description="how long a member rings")
    max_wait_s: float | None = Field(300.0, ge=5, le=7200, description="none: no limit")
    rounds: int = Field(2, ge=1, le=20, description="passes over the members before no_answer")
    add_members_as_they_free_up: bool = True
    caller_hears: Literal["music", "ringback"] = "music"
    wrap_up_s: float = Field(0.0, ge=0, le=600, description="rest after each call")
    login_required: bool = Field(False, description="members take calls only when logged in")
    announce_position: bool = False
    hold_announcement_every_s: float | None = Field(None, ge=10, le=600)
    record_missed_calls: bool = True

    @model_validator(mode="after")
    def _distinct_members(self) -> CallCentre:
        extensions = [member.extension for member in self.members]
        if len(set(extensions)) != len(extensions):
            raise ValueError("a member is listed twice")
        return self


class InboundRoute(StrictModel):
    """Calls on an exchange line (or to a dialled number) go to a scenario."""

    line: int | None = Field(None, description="the FXO port of the line")
    number: str = Field("", description="the number dialled (for trunks that pass it)")
    scenario: str
    detect_fax: bool | None = Field(
        None,
        description="a fax machine's calling tone moves the call to fax reception; "
        "empty: as for all routes",
    )

    @model_validator(mode="after")
    def _matches_something(self) -> InboundRoute:
        if self.line is None and not self.number:
            raise ValueError("a route needs a line or a number")
        return self


class PrefixRoute(StrictModel):
    prefix: NumberPrefix
    scenario: str


class VipCaller(StrictModel):
    number: NumberPrefix
    extension: str


class InboundRoutes(StrictModel):
    routes: list[InboundRoute] = Field(default_factory=list)
    default_scenario: str | None = None
    detect_fax: bool = Field(
        True,
        description="a fax machine's calling tone, heard anywhere in a scenario, "
        "moves the call to fax reception",
    )
    fax_email: list[str] = Field(
        default_factory=list, description="where faxes found that way go; empty: the office"
    )
    blacklist: list[NumberPrefix] = Field(default_factory=list)
    blacklist_answer: Literal["busy_tone", "message"] = "busy_tone"
    vip: list[VipCaller] = Field(default_factory=list)
    by_caller_prefix: list[PrefixRoute] = Field(default_factory=list)


class Contact(StrictModel):
    """An address-book entry: a client and the employee who looks after them."""

    number: NumberPrefix
    name: str = Field("", max_length=64)
    manager: str = ""


class AgentCodes(StrictModel):
    log_in: str = Field("*55", pattern=r"^[*#0-9]{1,4}$")
    log_out: str = Field("*56", pattern=r"^[*#0-9]{1,4}$")


class RoutingConfig(StrictModel):
    """Call routing: scenarios, call centres, inbound routes, the address book."""

    scenarios: list[Scenario] = Field(default_factory=list)
    call_centres: list[CallCentre] = Field(default_factory=list)
    inbound: InboundRoutes = Field(default_factory=InboundRoutes)
    contacts: list[Contact] = Field(default_factory=list)
    agent_codes: AgentCodes = Field(default_factory=AgentCodes)

    def scenario(self, scenario_id: str) -> Scenario | None:
        return next((s for s in self.scenarios if s.id == scenario_id), None)

    def call_centre(self, centre_id: str) -> CallCentre | None:
        return next((c for c in self.call_centres if c.id == centre_id), None)
