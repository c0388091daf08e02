"""Caller ID: Bell 202 and ETSI V.23 FSK, DTMF, and a receiver that finds the standard.

Send with `encode_caller_id(caller_id, standard)`; receive with `CallerIdReceiver().feed()`,
which reports each message as a `CallerIdResult` tagged with the standard it was heard in.
"""

from .dtmf_codec import DtmfCallerIdDecoder, encode_dtmf
from .dtmf_format import DtmfFormat
from .encoder import encode_caller_id
from .fsk_decoder import FskCallerIdDecoder
from .fsk_encoder import encode_fsk
from .model import (
    Absence,
    CallerId,
    CallerIdResult,
    CallerIdStandard,
    CallTime,
    DecodeStatus,
)
from .receiver import CallerIdReceiver

__all__ = [
    "Absence",
    "CallTime",
    "CallerId",
    "CallerIdReceiver",
    "CallerIdResult",
    "CallerIdStandard",
    "DecodeStatus",
    "DtmfCallerIdDecoder",
    "DtmfFormat",
    "FskCallerIdDecoder",
    "encode_caller_id",
    "encode_dtmf",
    "encode_fsk",
]
