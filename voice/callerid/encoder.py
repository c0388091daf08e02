"""One entry point to send caller ID in whichever standard a country profile names."""

from __future__ import annotations

import numpy as np

from .dtmf_codec import encode_dtmf
from .dtmf_format import DtmfFormat
from .fsk_encoder import encode_fsk
from .model import CallerId, CallerIdStandard


def encode_caller_id(
    caller_id: CallerId,
    standard: CallerIdStandard | str,
    *,
    sdmf: bool = False,
    alert: bool = False,
    dtmf_format: DtmfFormat = DtmfFormat.A_C,
) -> np.ndarray:
    """Complete int16 audio for `caller_id` in `standard` ("bell202", "etsi_fsk", "dtmf").

    `sdmf` selects Bell's single-message format, `alert` the ETSI DT-AS tone before the
    data, `dtmf_format` the DTMF variant; each is ignored by standards that lack it.
    """
    chosen = CallerIdStandard(standard)
    if chosen is CallerIdStandard.DTMF:
        return encode_dtmf(caller_id, dtmf_format)
    return encode_fsk(
        caller_id,
        chosen,
        sdmf=sdmf and chosen is CallerIdStandard.BELL202,
        alert=alert and chosen is CallerIdStandard.ETSI_FSK,
    )
