"""The one configuration schema, shared by the engine and the web UI.

The whole appliance is configured by one document: system settings, the hat's ports, the
employees and their extensions, e-mail, the dial plan and (filled by later releases) call
routing. Field constraints carry messages a user can act on.
"""

from __future__ import annotations

import re
import zoneinfo
from typing import Annotated, Final, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from firmware.config.errors import FieldError
from firmware.config.mail import MailSettings
from firmware.config.voicemail import RecordingSettings, VoicemailSettings, voicemail_problems
from firmware.countries import UnknownCountry, load_country

SCHEMA_VERSION: Final = 1
MAX_PORTS = 8  # the PCM highway carries 8 timeslots
Language = Literal["en", "ru", "uk"]
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _matching(pattern: str, requirement: str) -> AfterValidator:
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(f"{value!r} {requirement}")
        return value

    return AfterValidator(check)


ExtensionNumber = Annotated[str, _matching(r"[0-9]{2,6}", "must be 2 to 6 digits, e.g. 101")]
FeatureCode = Annotated[
    str, _matching(r"[*#0-9]{1,4}", "must be 1 to 4 of the keys 0-9, * and #, e.g. *78")
]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class SystemSettings(Model):
    name: str = Field("Switchboard", min_length=1, max_length=64)
    country: str = Field("US", description="ISO country code of the phone network")
    timezone: str = "UTC"
    language: Language = Field("en", description="language of announcements")

    @field_validator("country")
    @classmethod
    def _known_country(cls, value: str) -> str:
        try:
            return load_country(value).code
        except UnknownCountry as error:
            raise ValueError(str(error)) from None

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            message = f"unknown time zone {value!r}; use a name like Europe/Moscow"
            raise ValueError(message) from None
        return value


class FxsPortConfig(Model):
    """An FXS port: an analog phone plugged into the appliance."""

    kind: Literal["fxs"] = "fxs"
    port: int = Field(ge=0, lt=MAX_PORTS)
    label: str = Field("", max_length=64)
    enabled: bool = True
    loop_current_ma: int = Field(20, ge=20, le=41, description="loop current limit of the SLIC")
    caller_id: bool = Field(True, description="send caller ID to the phone")
    call_waiting: bool = Field(
        True,
        description="a second call knocks with a tone during a call; off for fax machines "
        "and modems, whose transfer the tone would break (the caller hears busy instead)",
    )
    message_waiting_lamp: bool = Field(False, description="light the phone's lamp for voicemail")


class DisconnectSupervision(Model):
    """How an FXO port notices that the far end hung up: whichever comes first."""

    loop_drop_ms: int = Field(300, ge=50, le=2000)
    polarity_reversal: bool = True
    busy_tone: bool = True


class FxoPortConfig(Model):
    """An FXO port: an exchange line plugged into the appliance."""

    kind: Literal["fxo"] = "fxo"
    port: int = Field(ge=0, lt=MAX_PORTS)
    label: str = Field("", max_length=64)
    enabled: bool = True
    number: str = Field("", max_length=32, description="the line's own phone number")
    inbound: list[ExtensionNumber] = Field(
        default_factory=list, description="extensions that ring for a call on this line"
    )
    answer_after_rings: int = Field(
        0, ge=0, le=10, description="0 answers when an extension picks up"
    )
    outbound: bool = Field(True, description="usable for outgoing calls")
    caller_id: Literal["country", "bell202", "etsi_fsk", "dtmf", "off"] = "country"
    disconnect: DisconnectSupervision = Field(default_factory=DisconnectSupervision)


PortConfig = Annotated[FxsPortConfig | FxoPortConfig, Field(discriminator="kind")]


class HatConfig(Model):
    ports: list[PortConfig] = Field(default_factory=list)

    @field_validator("ports")
    @classmethod
    def _unique_ports(cls, ports: list[PortConfig]) -> list[PortConfig]:
        seen: set[int] = set()
        for port in ports:
            if port.port in seen:
                raise ValueError(f"port {port.port} is configured twice")
            seen.add(port.port)
        return ports

    def port(self, index: int) -> FxsPortConfig | FxoPortConfig | None:
        return next((port for port in self.ports if port.port == index), None)


class Employee(Model):
    extension: ExtensionNumber
    name: str = Field(min_length=1, max_length=64)
    email: str = ""
    language: Language | None = Field(None, description="None uses the system language")
    fxs_ports: list[int] = Field(default_factory=list, description="phones that ring")
    do_not_disturb: bool = False
    pickup_group: str = Field("office", max_length=32)

    @field_validator("email")
    @classmethod
    def _email_shape(cls, value: str) -> str:
        if value and not EMAIL_PATTERN.match(value):
            raise ValueError(f"{value!r} is not an e-mail address")
        return value


class FeatureCodes(Model):
    pickup_group: FeatureCode = "*8"
    pickup_directed: FeatureCode = "**"
    dnd_on: FeatureCode = "*78"
    dnd_off: FeatureCode = "*79"


class DialPlan(Model):
    outbound_prefix: Annotated[str, _matching(r"[0-9]{1,2}", "must be 1 or 2 digits, e.g. 9")] = "9"
    interdigit_timeout_s: float = Field(4.0, ge=1.0, le=20.0)
    off_hook_warning_after_s: float = Field(20.0, ge=5.0, le=120.0)
    feature_codes: FeatureCodes = Field(default_factory=FeatureCodes)


class Routing(Model):
    """Call routing scenarios; later releases add them here."""


class Config(Model):
    schema_version: Literal[1] = SCHEMA_VERSION
    system: SystemSettings = Field(default_factory=SystemSettings)
    hat: HatConfig = Field(default_factory=HatConfig)
    employees: list[Employee] = Field(default_factory=list)
    email: MailSettings = Field(default_factory=MailSettings)
    dialplan: DialPlan = Field(default_factory=DialPlan)
    routing: Routing = Field(default_factory=Routing)
    voicemail: VoicemailSettings = Field(default_factory=VoicemailSettings)
    recording: RecordingSettings = Field(default_factory=RecordingSettings)

    def employee_for_extension(self, extension: str) -> Employee | None:
        return next((e for e in self.employees if e.extension == extension), None)


def reference_problems(config: Config) -> list[FieldError]:
    """Problems between fields: duplicates and references to things that do not exist."""
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
    emergency = load_country(config.system.country).emergency_numbers
    for number, employee in enumerate(config.employees):
        clash = next((n for n in emergency if employee.extension.startswith(n)), None)
        if clash is not None:
            problems.append(
                FieldError(
                    f"employees[{number}].extension",
                    f"{employee.extension} cannot be dialled: {clash} is the emergency number",
                )
            )
    prefix = config.dialplan.outbound_prefix
    for extension in sorted(extensions):
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
    for index, configured in enumerate(config.hat.ports):
        if isinstance(configured, FxoPortConfig):
            for target in configured.inbound:
                if target not in extensions:
                    problems.append(
                        FieldError(
                            f"hat.ports[{index}].inbound", f"extension {target} does not exist"
                        )
                    )
    problems += voicemail_problems(config.voicemail, extensions)
    return problems
