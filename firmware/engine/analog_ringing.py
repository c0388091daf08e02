"""Ringing an analog phone the way the country does: the cadence (internal or external) and
caller ID sent as FSK or DTMF between or before the rings."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aio
from firmware.config.schema import Config, FxsPortConfig
from firmware.countries import CountryProfile
from firmware.engine.call import Call
from firmware.engine.dsp import caller_id_audio
from firmware.verbs import Direction

if TYPE_CHECKING:
    from firmware.engine.fxs_line import FxsLine


class AnalogRinging:
    def __init__(self) -> None:
        self._config: Config | None = None
        self._country: CountryProfile | None = None

    def apply(self, config: Config, country: CountryProfile) -> None:
        self._config = config
        self._country = country

    def ring_phone(self, line: FxsLine, call: Call) -> None:
        """Ring `line` for `call`.

        Calls from an extension ring with the internal cadence, calls from outside with
        the external one. A call the phone is already in (a held call ringing back) shows
        who waits in it rather than who placed it.
        """
        assert self._config is not None and self._country is not None, "apply() first"
        cadences = self._country.ringing.cadences_ms
        cadence = cadences.internal if call.direction is Direction.INTERNAL else cadences.external
        plan = self._country.caller_id
        settings = self._config.hat.port(line.port.index)
        shown = call.party_seen_by(line) if line in call.parties else call.caller
        samples = None
        if isinstance(settings, FxsPortConfig) and settings.caller_id:
            samples = caller_id_audio(
                plan.standard,
                shown.number,
                shown.name,
                aio.wall_time(),
                self._config.system.timezone,
            )
        line.port.ring(
            cadence,
            caller_id=samples,
            caller_id_timing=plan.timing,
            caller_id_delay_ms=plan.delay_ms,
            alert=plan.alert,
        )
