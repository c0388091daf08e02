"""The one configuration schema, shared by the engine and the web UI.

The whole appliance is configured by one document: system settings, the hat's ports, the
employees and their extensions, e-mail, the dial plan and call routing. Each section is its
own module in `firmware.config.sections`; `Config` assembles them. Field constraints carry
messages a user can act on.
"""

from __future__ import annotations

from typing import Final, Literal

from pydantic import Field

from firmware.config.fields import EMAIL_PATTERN, ExtensionNumber, Language, Model
from firmware.config.mail import MailSettings
from firmware.config.routing import RoutingConfig
from firmware.config.sections.dialplan import DialPlan, FeatureCode, FeatureCodes
from firmware.config.sections.employees import Employee
from firmware.config.sections.hat import (
    MAX_PORTS,
    DisconnectSupervision,
    FxoPortConfig,
    FxsPortConfig,
    HatConfig,
    PortConfig,
)
from firmware.config.sections.system import SystemSettings
from firmware.config.voicemail import RecordingSettings, VoicemailSettings

SCHEMA_VERSION: Final = 2  # 2: routing scenarios replace the lines' inbound lists

__all__ = [
    "EMAIL_PATTERN",
    "MAX_PORTS",
    "SCHEMA_VERSION",
    "Config",
    "DialPlan",
    "DisconnectSupervision",
    "Employee",
    "ExtensionNumber",
    "FeatureCode",
    "FeatureCodes",
    "FxoPortConfig",
    "FxsPortConfig",
    "HatConfig",
    "Language",
    "MailSettings",
    "Model",
    "PortConfig",
    "RecordingSettings",
    "RoutingConfig",
    "SystemSettings",
    "VoicemailSettings",
]


class Config(Model):
    schema_version: Literal[2] = SCHEMA_VERSION
    system: SystemSettings = Field(default_factory=SystemSettings)
    hat: HatConfig = Field(default_factory=HatConfig)
    employees: list[Employee] = Field(default_factory=list)
    email: MailSettings = Field(default_factory=MailSettings)
    dialplan: DialPlan = Field(default_factory=DialPlan)
    routing: RoutingConfig = Field(default_factory=RoutingConfig)
    voicemail: VoicemailSettings = Field(default_factory=VoicemailSettings)
    recording: RecordingSettings = Field(default_factory=RecordingSettings)

    def employee_for_extension(self, extension: str) -> Employee | None:
        return next((e for e in self.employees if e.extension == extension), None)
