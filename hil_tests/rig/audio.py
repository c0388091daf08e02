"""The serial rig's audio interface: a two-channel USB audio interface on the host, each
channel switched by the fixture (`AUDIO` in PROTOCOL.md) to one port of the unit. A channel's
output speaks into that port (a phone's mouthpiece, a line's far end); its input hears what
the port receives (the earpiece, what the unit sends down the line).

An interface offers one blocking call, `play_record(out)`: it plays `out` (frames ×
channels, int16 at 8 kHz in the project's dBm0 scale) and returns what the inputs heard over
the same frames, aligned so that input frame i was heard while output frame i was sent.

`SWITCHBOARD_RIG_AUDIO` names the interface: a sounddevice device (name or index, see
`python -m sounddevice`), or `unix:<path>` for an interface served on a socket (the virtual
fixture's). Levels are calibrated per rig (see PROTOCOL.md, "Audio"):
`SWITCHBOARD_RIG_AUDIO_OUT_DBFS` and `SWITCHBOARD_RIG_AUDIO_IN_DBFS` are the interface's
peak level in dBFS of a 0 dBm0 sine at the port, sent and received.
"""

from __future__ import annotations

import json
import math
import os
import socket
from typing import Any, Protocol

import numpy as np

from hil_tests.rig.api import RigError

SAMPLE_RATE_HZ = 8000
CHANNELS = 2
CODEC_DBM0_DBFS = -3.14  # a 0 dBm0 sine's peak in the samples the rig API speaks
ENVIRONMENT = "SWITCHBOARD_RIG_AUDIO"
PORTAUDIO_PACKAGE = "libportaudio2"


class AudioInterface(Protocol):
    channels: int

    def play_record(self, out: np.ndarray) -> np.ndarray:
        """Play `out` (frames × channels, int16, 8 kHz); what the inputs heard meanwhile."""
        ...

    def close(self) -> None: ...


def calibration_gain(variable: str) -> float:
    """Factor from the rig API's samples to the interface's, from a dBFS calibration value."""
    text = os.environ.get(variable)
    if not text:
        return 1.0
    try:
        dbfs = float(text)
    except ValueError:
        raise RigError(f"{variable} must be a level in dBFS (e.g. -12.5), got {text!r}") from None
    return float(10 ** ((dbfs - CODEC_DBM0_DBFS) / 20))


def open_audio_interface(spec: str | None = None) -> AudioInterface | None:
    """The interface `spec` (else SWITCHBOARD_RIG_AUDIO) names, or None when none is set."""
    spec = os.environ.get(ENVIRONMENT, "") if spec is None else spec
    if not spec:
        return None
    if spec.startswith("unix:"):
        return SocketAudioInterface(spec[len("unix:") :])
    return SoundDeviceInterface(int(spec) if spec.isdigit() else spec)


class SoundDeviceInterface:
    """A USB audio interface through sounddevice (PortAudio). Runs at 8 kHz when the
    interface can, else at its own rate with polyphase resampling; the stream's reported
    input and output latency is recorded extra and cut from the front, so the result is
    aligned with what was sent."""

    channels = CHANNELS

    def __init__(self, device: int | str) -> None:
        try:
            import sounddevice
        except OSError as error:
            raise RigError(
                f"the rig's audio interface needs PortAudio: install the Debian package "
                f"{PORTAUDIO_PACKAGE} ({error})"
            ) from None
        except ImportError:
            raise RigError(
                "the rig's audio interface needs the Python package sounddevice "
                "(pip install sounddevice)"
            ) from None
        self._sd: Any = sounddevice
        self.device = device
        try:
            info = sounddevice.query_devices(device)
        except (ValueError, sounddevice.PortAudioError) as error:
            raise RigError(f"audio interface {device!r}: {error}") from None
        if info["max_input_channels"] < CHANNELS or info["max_output_channels"] < CHANNELS:
            raise RigError(f"audio interface {device!r} needs {CHANNELS} inputs and outputs")
        self.rate_hz = self._rate(info)
        self._out_gain = calibration_gain("SWITCHBOARD_RIG_AUDIO_OUT_DBFS")
        self._in_gain = calibration_gain("SWITCHBOARD_RIG_AUDIO_IN_DBFS")

    def _rate(self, info: dict[str, Any]) -> int:
        try:
            self._sd.check_input_settings(self.device, channels=CHANNELS, samplerate=8000)
            self._sd.check_output_settings(self.device, channels=CHANNELS, samplerate=8000)
        except Exception:
            return int(info["default_samplerate"])
        return SAMPLE_RATE_HZ

    def play_record(self, out: np.ndarray) -> np.ndarray:
        from scipy.signal import resample_poly

        frames = len(out)
        wave = np.asarray(out, dtype=np.float64) * self._out_gain / 32768
        up, down = self.rate_hz, SAMPLE_RATE_HZ
        common = math.gcd(up, down)
        if self.rate_hz != SAMPLE_RATE_HZ:
            wave = resample_poly(wave, up // common, down // common, axis=0)
        latency_s = self._latency_s()
        extra = round(latency_s * self.rate_hz)
        padded = np.concatenate([wave, np.zeros((extra, CHANNELS))]).astype(np.float32)
        heard = self._sd.playrec(
            np.clip(padded, -1, 1), self.rate_hz, channels=CHANNELS, device=self.device,
            blocking=True,
        )  # fmt: skip
        heard = np.asarray(heard, dtype=np.float64)[extra:]
        if self.rate_hz != SAMPLE_RATE_HZ:
            heard = resample_poly(heard, down // common, up // common, axis=0)
        heard = heard[:frames] * 32768 / self._in_gain
        if len(heard) < frames:
            heard = np.concatenate([heard, np.zeros((frames - len(heard), CHANNELS))])
        return np.clip(np.rint(heard), -32768, 32767).astype(np.int16)

    def _latency_s(self) -> float:
        """Output plus input latency: a measured value (SWITCHBOARD_RIG_AUDIO_LATENCY_MS,
        from a loopback cable) or what PortAudio reports for the device."""
        text = os.environ.get("SWITCHBOARD_RIG_AUDIO_LATENCY_MS")
        if text:
            try:
                return float(text) / 1000
            except ValueError:
                raise RigError(
                    f"SWITCHBOARD_RIG_AUDIO_LATENCY_MS must be milliseconds, got {text!r}"
                ) from None
        info = self._sd.query_devices(self.device)
        return float(info["default_low_input_latency"] + info["default_low_output_latency"])

    def close(self) -> None:
        pass


class SocketAudioInterface:
    """An interface served on a Unix socket: one JSON line per transfer each way,
    `{"out": [hex int16 per channel]}` → `{"in": [hex per channel]}` or `{"error": text}`."""

    channels = CHANNELS

    def __init__(self, path: str) -> None:
        self.path = path
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._socket.connect(path)
        except OSError as error:
            self._socket.close()
            raise RigError(f"audio interface at {path} does not answer ({error})") from None
        self._reader = self._socket.makefile("rb")

    def play_record(self, out: np.ndarray) -> np.ndarray:
        columns = np.asarray(out, dtype="<i2").reshape(len(out), CHANNELS)
        request = {"out": [columns[:, c].tobytes().hex() for c in range(CHANNELS)]}
        self._socket.sendall(json.dumps(request).encode() + b"\n")
        line = self._reader.readline()
        if not line:
            raise RigError(f"audio interface at {self.path} closed the connection")
        reply = json.loads(line)
        if "error" in reply:
            raise RigError(f"audio interface: {reply['error']}")
        heard = [np.frombuffer(bytes.fromhex(pcm), dtype="<i2") for pcm in reply["in"]]
        return np.stack(heard, axis=1).astype(np.int16)

    def close(self) -> None:
        self._reader.close()
        self._socket.close()
