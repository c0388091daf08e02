"""What line supervision asks of the engine, as a Protocol: the lines depend on this, not
on the engine's context, so supervision and the services it uses do not import each other.
Line parameters are typed loosely (`Any`) for the same reason."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from firmware.config.schema import Config, Employee, FxoPortConfig, FxsPortConfig
from firmware.countries import CountryProfile
from firmware.engine.call import Call, Party
from firmware.engine.calls import CallManager
from firmware.engine.dialplan import DialPlan
from firmware.engine.media import AudioSource


class LineServices(Protocol):
    calls: CallManager
    config: Config
    country: CountryProfile
    dialplan: DialPlan
    messages_waiting: Callable[[str], bool]

    # Lookups.
    def port_config(self, index: int) -> FxsPortConfig | FxoPortConfig | None: ...

    def employee_for_port(self, index: int) -> Employee | None: ...

    def is_dnd(self, extension: str) -> bool: ...

    def set_dnd(self, extension: str, on: bool) -> None: ...

    def caller_id_standard_for(self, port: int) -> str: ...

    # Sounds.
    def tone(self, name: str) -> AudioSource: ...

    def dtmf_samples(self, digits: str) -> np.ndarray: ...

    # Calls.
    def call_extension(self, origin: Any, extension: str) -> Call: ...

    def call_outside(self, origin: Any, number: str) -> Call: ...

    def call_service(self, origin: Any, code: str) -> Call: ...

    def call_inbound(self, line: Any, caller: Party) -> Call: ...

    def offer_other_line(self, call: Call, failed_line: Any) -> bool: ...

    def number_to_dial(self, call: Call) -> str: ...

    def find_pickup(self, picker: Any, extension: str | None) -> Call | None: ...

    def ring_phone(self, line: Any, call: Call) -> None: ...

    def endpoint_changed(self, endpoint: Any) -> None: ...
