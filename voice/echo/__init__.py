"""Line echo cancellation for FXO ports (see `voice.echo.canceller`)."""

from .canceller import DEFAULT_TAIL_MS, FRAME_SAMPLES, EchoCanceller, EchoStats

__all__ = ["DEFAULT_TAIL_MS", "FRAME_SAMPLES", "EchoCanceller", "EchoStats"]
