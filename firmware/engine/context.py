"""What line supervision asks of the engine (`LineServices`), composed of services by duty:
the directory (who is behind a number or port), the sounds, the trunks (exchange lines for
outgoing calls), analog ringing, and the doors into call control and routing. The
configuration is held here alone; `apply` hands each new one to every service, which
compiles its own view of it once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from firmware.config.schema import Config, Employee, FxoPortConfig, FxsPortConfig
from firmware.countries import CountryProfile, load_country
from firmware.engine.analog_ringing import AnalogRinging
from firmware.engine.calls import Call, CallManager, CallState, Direction, Party
from firmware.engine.dialplan import DialPlan
from firmware.engine.directory import Directory
from firmware.engine.media import AudioSource
from firmware.engine.sounds import Sounds
from firmware.engine.trunks import Trunks
from firmware.verbs import EndReason

if TYPE_CHECKING:
    from firmware.engine.fxo_line import FxoLine
    from firmware.engine.fxs_line import FxsLine


def build_dialplan(config: Config, country: CountryProfile) -> DialPlan:
    return DialPlan.build(
        (employee.extension for employee in config.employees),
        config.dialplan.outbound_prefix,
        config.dialplan.feature_codes.model_dump(),
        country.emergency_numbers,
        service_codes=(
            config.routing.agent_codes.log_in,
            config.routing.agent_codes.log_out,
            config.voicemail.codes.own_box,
            config.voicemail.codes.any_box,
        ),
    )


class EngineContext:
    def __init__(
        self,
        config: Config,
        calls: CallManager,
        *,
        save_config: Callable[[Config], None],
        on_endpoint_change: Callable[[FxsLine | FxoLine], None],
    ) -> None:
        self.calls = calls
        self.fxs_lines: dict[int, FxsLine] = {}
        self.fxo_lines: dict[int, FxoLine] = {}
        self.directory = Directory(self.fxs_lines, save_config)
        self.sounds = Sounds()
        self.trunks = Trunks(calls, self.fxo_lines)
        self.ringing = AnalogRinging()
        self._on_endpoint_change = on_endpoint_change
        # The inbound entry (routing) for lines without a list of extensions to ring.
        self.route_inbound: Callable[[FxoLine, Party, int], Call] | None = None
        # The same door for a number a phone dialled (an extension, or a code routing serves).
        self.route_from_phone: Callable[[FxsLine, str], Call] | None = None
        # Stutter dial tone for an extension whose box has unheard messages (voicemail).
        self.messages_waiting: Callable[[str], bool] = lambda _extension: False
        self.apply(config)

    def apply(self, config: Config) -> None:
        """Take a new configuration; calls in progress keep going."""
        self.config = config
        self.country: CountryProfile = load_country(config.system.country)
        self.dialplan = build_dialplan(config, self.country)
        for service in (self.directory, self.sounds, self.ringing):
            service.apply(config, self.country)

    # The directory.
    def port_config(self, index: int) -> FxsPortConfig | FxoPortConfig | None:
        return self.directory.port_config(index)

    def employee_for_port(self, index: int) -> Employee | None:
        return self.directory.employee_for_port(index)

    def is_dnd(self, extension: str) -> bool:
        return self.directory.is_dnd(extension)

    def set_dnd(self, extension: str, on: bool) -> None:
        self.directory.set_dnd(extension, on)

    def caller_id_standard_for(self, port: int) -> str:
        return self.directory.caller_id_standard_for(port)

    def endpoints_for_extension(self, extension: str) -> list[FxsLine]:
        return self.directory.endpoints_for_extension(extension)

    def port_of(self, endpoint: object) -> int | None:
        return self.directory.port_of(endpoint)

    # Sounds.
    def tone(self, name: str) -> AudioSource:
        return self.sounds.tone(name)

    def prompt(self, name: str) -> np.ndarray:
        return self.sounds.prompt(name)

    def dtmf_samples(self, digits: str) -> np.ndarray:
        return self.sounds.dtmf_samples(digits)

    # Calls: the doors into call control and routing.
    def call_extension(self, origin: FxsLine, extension: str) -> Call:
        """A colleague's extension: routing rings it and applies their forwarding rules. A
        consultation call (another call waits on hold for a transfer) rings it directly."""
        if self.route_from_phone is not None and not origin.consulting:
            return self.route_from_phone(origin, extension)
        targets = self.endpoints_for_extension(extension)
        return self.calls.place(
            origin, origin.party, extension, targets, direction=Direction.INTERNAL
        )

    def call_service(self, origin: FxsLine, code: str) -> Call:
        """A code routing serves (agent log-in/out, voicemail): routing takes the call."""
        if self.route_from_phone is None:
            return self.calls.refuse(origin, origin.party, code, EndReason.INVALID_NUMBER)
        return self.route_from_phone(origin, code)

    def call_outside(self, origin: FxsLine, number: str) -> Call:
        return self.trunks.call_outside(origin, number)

    def offer_other_line(self, call: Call, failed_line: FxoLine) -> bool:
        return self.trunks.offer_other_line(call, failed_line)

    def line_for_number(self, call: Call, number: str) -> FxoLine | None:
        return self.trunks.line_for_number(call, number)

    def number_to_dial(self, call: Call) -> str:
        return self.trunks.number_to_dial(call)

    def call_inbound(self, line: FxoLine, caller: Party) -> Call:
        """A call that rang in on `line`: offered to the line's inbound extensions when it
        lists them (as before scenarios), else handed to routing."""
        settings = line.settings
        extensions = settings.inbound if settings is not None else []
        if not extensions and self.route_inbound is not None:
            call = self.route_inbound(line, caller, line.port.index)
        else:
            targets = [e for ext in extensions for e in self.endpoints_for_extension(ext)]
            call = self.calls.place(
                line,
                caller,
                line.party.number,
                targets,
                direction=Direction.INBOUND,
                line_port=line.port.index,
            )
        if line.ringing_since:  # the call began with the first ring, not with caller ID
            self.calls.started_at(call, line.ringing_since)
        return call

    def find_pickup(self, picker: FxsLine, extension: str | None) -> Call | None:
        """A call ringing `extension`, or any phone of the picker's pickup group."""
        if extension is not None:
            endpoints = self.endpoints_for_extension(extension)
        else:
            endpoints = self.directory.pickup_group_phones(picker)
        calls = [c for c in self.calls.alerting_calls_for(endpoints) if c.origin is not picker]
        return min(calls, key=lambda call: call.record.started_at) if calls else None

    # Analog ringing.
    def ring_phone(self, line: FxsLine, call: Call) -> None:
        self.ringing.ring_phone(line, call)

    def endpoint_changed(self, endpoint: FxsLine | FxoLine) -> None:
        self._on_endpoint_change(endpoint)

    def active_calls(self) -> list[Call]:
        return [call for call in self.calls.calls if call.state is not CallState.ENDED]
