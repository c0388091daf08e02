"""Call-progress tones: specs, the generator, the cadence-aware detector, and the narrow-band
analyser bank they share with the DTMF and fax-tone detectors."""

from voice.tones.detector import DETECTABLE, CallProgressDetector, ToneEvent
from voice.tones.generator import ToneGenerator
from voice.tones.spec import ToneSpec, ToneSpecLike, is_continuous

__all__ = [
    "DETECTABLE",
    "CallProgressDetector",
    "ToneEvent",
    "ToneGenerator",
    "ToneSpec",
    "ToneSpecLike",
    "is_continuous",
]
