"""The sounds lines play: the country's call-progress tones, spoken prompts in the system's
language, and DTMF for dialling out on an exchange line."""

from __future__ import annotations

import numpy as np

from firmware.config.schema import Config
from firmware.countries import CountryProfile
from firmware.engine.dsp import DtmfDialer, ToneSource
from firmware.engine.media import AudioSource
from firmware.engine.sources import prompt


class Sounds:
    def __init__(self) -> None:
        self._dialer = DtmfDialer()
        self._tones: dict[str, object] = {}
        self._language = "en"

    def apply(self, config: Config, country: CountryProfile) -> None:
        self._tones = dict(country.tones)
        self._language = config.system.language

    def tone(self, name: str) -> AudioSource:
        return ToneSource(self._tones[name])

    def prompt(self, name: str) -> np.ndarray:
        return prompt(name, self._language)

    def dtmf_samples(self, digits: str) -> np.ndarray:
        return self._dialer.samples(digits)
