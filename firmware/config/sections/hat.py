"""`hat:` the hat's ports: analog phones on FXS ports, exchange lines on FXO ports."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from firmware.config.fields import ExtensionNumber, Model

MAX_PORTS = 8  # the PCM highway carries 8 timeslots


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
