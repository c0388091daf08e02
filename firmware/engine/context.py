"""What line supervision asks of the engine: who is behind a number, which line is free,
which tones this country plays. One object, rebuilt pieces when the configuration changes.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

import aio
from firmware.config.schema import Config, Employee, FxoPortConfig, FxsPortConfig
from firmware.countries import CountryProfile, load_country
from firmware.engine.calls import Call, CallManager, CallState, Direction, Indication, Party
from firmware.engine.dialplan import DialPlan
from firmware.engine.dsp import DtmfDialer, ToneSource, caller_id_audio
from firmware.engine.media import AudioSource
from firmware.engine.sources import prompt
from firmware.verbs import EndReason

if TYPE_CHECKING:
    from firmware.engine.fxo_line import FxoLine
    from firmware.engine.fxs_line import FxsLine

log = logging.getLogger(__name__)


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
        self._tried_lines: weakref.WeakKeyDictionary[Call, set[int]] = weakref.WeakKeyDictionary()
        self._save_config = save_config
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
        self.dialplan = DialPlan.build(
            (employee.extension for employee in config.employees),
            config.dialplan.outbound_prefix,
            config.dialplan.feature_codes.model_dump(),
            self.country.emergency_numbers,
            service_codes=(
                config.routing.agent_codes.log_in,
                config.routing.agent_codes.log_out,
                config.voicemail.codes.own_box,
                config.voicemail.codes.any_box,
            ),
        )
        self._employees_by_port = {
            port: employee for employee in config.employees for port in employee.fxs_ports
        }
        self._dialer = DtmfDialer()

    # Configuration lookups.
    def port_config(self, index: int) -> FxsPortConfig | FxoPortConfig | None:
        return self.config.hat.port(index)

    def employee_for_port(self, index: int) -> Employee | None:
        return self._employees_by_port.get(index)

    def is_dnd(self, extension: str) -> bool:
        employee = self.config.employee_for_extension(extension)
        return bool(employee and employee.do_not_disturb)

    def set_dnd(self, extension: str, on: bool) -> None:
        """Do-not-disturb from a feature code: saved like any other change."""
        document = self.config.model_dump(mode="json")
        for employee in document["employees"]:
            if employee["extension"] == extension:
                employee["do_not_disturb"] = on
        self._save_config(Config.model_validate(document))
        log.info("extension %s: do-not-disturb %s", extension, "on" if on else "off")

    def caller_id_standard_for(self, port: int) -> str:
        """The caller-ID standard an exchange line uses: its own setting, else the country's."""
        settings = self.port_config(port)
        if isinstance(settings, FxoPortConfig) and settings.caller_id != "country":
            return settings.caller_id
        return self.country.caller_id.standard

    # Sounds.
    def tone(self, name: str) -> AudioSource:
        return ToneSource(self.country.tones[name])  # type: ignore[index]

    def prompt(self, name: str) -> np.ndarray:
        return prompt(name, self.config.system.language)

    def dtmf_samples(self, digits: str) -> np.ndarray:
        return self._dialer.samples(digits)

    # Routing.
    def endpoints_for_extension(self, extension: str) -> list[FxsLine]:
        employee = self.config.employee_for_extension(extension)
        if employee is None:
            return []
        return [self.fxs_lines[port] for port in employee.fxs_ports if port in self.fxs_lines]

    def port_of(self, endpoint: object) -> int | None:
        port = getattr(endpoint, "port", None)
        return getattr(port, "index", None)

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
        """An outgoing call on the first free exchange line, or "all lines busy"."""
        lines = [line for line in self._lines_in_order() if line.available_for_outbound()]
        if not lines:
            call = self.calls.refuse(origin, origin.party, number, EndReason.ALL_LINES_BUSY)
            call.direction = call.record.direction = Direction.OUTBOUND
            origin.active = call
            origin.progress(call, Indication.ALL_LINES_BUSY)
            return call
        line = lines[0]
        call = self.calls.place(
            origin,
            origin.party,
            number,
            [line],
            direction=Direction.OUTBOUND,
            line_port=line.port.index,
        )
        self._tried_lines[call] = {line.port.index}
        call.record.line_port = line.port.index
        return call

    def offer_other_line(self, call: Call, failed_line: FxoLine) -> bool:
        """Move an outgoing call to a free line it has not tried yet (after glare, a
        failed seizure or no dial tone on `failed_line`)."""
        tried = self._tried_lines.setdefault(call, set())
        tried.add(failed_line.port.index)
        for line in self._lines_in_order():
            if line.port.index in tried or not line.available_for_outbound():
                continue
            tried.add(line.port.index)
            if line.offer(call):
                call.alerting.append(line)
                call._leg(line, "callee")
                call.line_port = call.record.line_port = line.port.index
                return True
        return False

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
        call.record.line_port = line.port.index
        if line.ringing_since:  # the call began with the first ring, not with caller ID
            call.record.started_at = min(call.record.started_at, line.ringing_since)
            call.record.legs[0].started_at = call.record.started_at
        return call

    def find_pickup(self, picker: FxsLine, extension: str | None) -> Call | None:
        """A call ringing `extension`, or any phone of the picker's pickup group."""
        if extension is not None:
            endpoints = self.endpoints_for_extension(extension)
        else:
            mine = self.employee_for_port(picker.port.index)
            group = mine.pickup_group if mine is not None else None
            endpoints = [
                line
                for index, line in self.fxs_lines.items()
                if line is not picker
                and (employee := self.employee_for_port(index)) is not None
                and employee.pickup_group == group
            ]
        calls = [c for c in self.calls.alerting_calls_for(endpoints) if c.origin is not picker]
        return min(calls, key=lambda call: call.record.started_at) if calls else None

    def ring_phone(self, line: FxsLine, call: Call) -> None:
        """Ring an FXS phone for `call` with the cadence and caller ID the country uses.

        Calls from an extension ring with the internal cadence, calls from outside with
        the external one. A call the phone is already in (a held call ringing back) shows
        who waits in it rather than who placed it.
        """
        cadences = self.country.ringing.cadences_ms
        cadence = cadences.internal if call.direction is Direction.INTERNAL else cadences.external
        plan = self.country.caller_id
        settings = self.port_config(line.port.index)
        shown = call.party_seen_by(line) if line in call.parties else call.caller
        samples = None
        if isinstance(settings, FxsPortConfig) and settings.caller_id:
            samples = caller_id_audio(
                plan.standard,
                shown.number,
                shown.name,
                aio.wall_time(),
                self.config.system.timezone,
            )
        line.port.ring(
            cadence,
            caller_id=samples,
            caller_id_timing=plan.timing,
            caller_id_delay_ms=plan.delay_ms,
            alert=plan.alert,
        )

    def endpoint_changed(self, endpoint: FxsLine | FxoLine) -> None:
        self._on_endpoint_change(endpoint)

    def _lines_in_order(self) -> list[FxoLine]:
        return [self.fxo_lines[index] for index in sorted(self.fxo_lines)]

    def active_calls(self) -> list[Call]:
        return [call for call in self.calls.calls if call.state is not CallState.ENDED]
