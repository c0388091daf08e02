"""The serial rig's sounddevice wrapper on an interface that runs at 48 kHz only and has a
loopback cable from output 1 to input 0: PortAudio (the hardware side) is replaced by a
module that delays what it plays by the interface's latency, as a real one does."""

from __future__ import annotations

import sys
import types
from typing import Any

import numpy as np
import pytest

from hil_tests.rig import RigError, measure
from hil_tests.rig.audio import SoundDeviceInterface

INTERFACE_RATE_HZ = 48000
INPUT_LATENCY_S, OUTPUT_LATENCY_S = 0.008, 0.012


class PortAudioError(Exception):
    pass


def _loopback_portaudio() -> tuple[types.ModuleType, dict[str, Any]]:
    seen: dict[str, Any] = {}
    module = types.ModuleType("sounddevice")
    module.PortAudioError = PortAudioError  # type: ignore[attr-defined]

    def query_devices(device: Any) -> dict[str, Any]:
        if device != "loopback":
            raise ValueError(f"No input/output device matching {device!r}")
        return {
            "max_input_channels": 2,
            "max_output_channels": 2,
            "default_samplerate": float(INTERFACE_RATE_HZ),
            "default_low_input_latency": INPUT_LATENCY_S,
            "default_low_output_latency": OUTPUT_LATENCY_S,
        }

    def check_settings(device: Any, channels: int, samplerate: float) -> None:
        if samplerate != INTERFACE_RATE_HZ:
            raise PortAudioError("Invalid sample rate")

    def playrec(data: np.ndarray, samplerate: float, **options: Any) -> np.ndarray:
        seen.update(rate=samplerate, played=data.copy(), **options)
        delay = round((INPUT_LATENCY_S + OUTPUT_LATENCY_S) * samplerate)
        heard = np.zeros_like(data)
        heard[delay:, 0] = data[: len(data) - delay, 1]  # the cable: output 1 to input 0
        return heard

    module.query_devices = query_devices  # type: ignore[attr-defined]
    module.check_input_settings = check_settings  # type: ignore[attr-defined]
    module.check_output_settings = check_settings  # type: ignore[attr-defined]
    module.playrec = playrec  # type: ignore[attr-defined]
    return module, seen


def _first_loud_sample(heard: np.ndarray) -> int:
    """Where the tone starts: its first sample above half its peak."""
    values = np.abs(heard.astype(np.float64))
    return int(np.flatnonzero(values > values.max() / 2)[0])


@pytest.fixture
def portaudio(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    module, seen = _loopback_portaudio()
    monkeypatch.setitem(sys.modules, "sounddevice", module)
    for variable in ("OUT_DBFS", "IN_DBFS", "LATENCY_MS"):
        monkeypatch.delenv(f"SWITCHBOARD_RIG_AUDIO_{variable}", raising=False)
    return seen


def test_a_tone_comes_back_aligned_at_its_level_through_a_resampling_interface(
    portaudio: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # This rig's output puts 0 dBm0 on a port at -12 dBFS; its input reads 0 dBm0 as -12.
    monkeypatch.setenv("SWITCHBOARD_RIG_AUDIO_OUT_DBFS", "-12")
    monkeypatch.setenv("SWITCHBOARD_RIG_AUDIO_IN_DBFS", "-12")
    interface = SoundDeviceInterface("loopback")
    out = np.zeros((4000, 2), np.int16)
    out[:, 1] = measure.sine(1004, 0.5, -10)
    heard = interface.play_record(out)[:, 0]
    assert portaudio["rate"] == INTERFACE_RATE_HZ
    played_peak = float(np.max(np.abs(portaudio["played"][:, 1])))
    assert 20 * np.log10(played_peak) == pytest.approx(-22, abs=0.1), "-10 dBm0 at -12 dBFS"
    assert len(heard) == 4000
    assert measure.component_dbm0(heard[400:3600], 1004) == pytest.approx(-10, abs=0.2)
    assert _first_loud_sample(heard) <= 2, "the interface's 20 ms are cut off"


def test_a_measured_latency_overrides_what_portaudio_reports(
    portaudio: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SWITCHBOARD_RIG_AUDIO_LATENCY_MS", "10")  # half the real delay
    out = np.zeros((4000, 2), np.int16)
    out[:, 1] = measure.sine(1004, 0.5, -10)
    heard = SoundDeviceInterface("loopback").play_record(out)[:, 0]
    assert 79 <= _first_loud_sample(heard) <= 82, "10 ms of the 20 ms delay are left"


def test_bad_calibration_and_missing_devices_are_clear_errors(
    portaudio: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(RigError, match="audio interface 'usb-9': No input/output device"):
        SoundDeviceInterface("usb-9")
    monkeypatch.setenv("SWITCHBOARD_RIG_AUDIO_OUT_DBFS", "loud")
    with pytest.raises(RigError, match="SWITCHBOARD_RIG_AUDIO_OUT_DBFS must be a level in dBFS"):
        SoundDeviceInterface("loopback")
