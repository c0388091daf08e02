"""The answering fax receiver: T.30 phases A–E over V.21 and V.17, V.29 or V.27ter.

`FaxReceiver.process(samples)` takes each block the caller sent and returns exactly as many
samples to send back. Phase A answers with CED; phase B sends CSI+DIS until a DCS arrives
(again every T4, until T1), judges the TCF and answers CFR or FTT; phase C decodes each page;
phase D answers each post-message command (MCF, or RTN for an unusable page); phase E ends on
DCN. `result` says how the call ended.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass, field

import numpy as np

from voice.fax import t30
from voice.fax.ecm import EcmBlock, octets_to_bits
from voice.fax.t4 import DecodedPage, T4Decoder
from voice.fax.v17 import V17Receiver
from voice.fax.v21 import V21Receiver, V21Transmitter
from voice.fax.v27ter import V27terReceiver
from voice.fax.v29 import V29Receiver
from voice.level import SAMPLE_RATE_HZ, dbm0_to_amplitude

CED_HZ = 2100.0
CED_LEVEL_DBM0 = -12.0
SILENCE_BEFORE_CED_S = 0.2
CED_SECONDS = 2.6
GAP_S = 0.075
T1_S = 35.0
T2_S = 6.0
T4_S = 3.0
TCF_PASS_SECONDS = 1.0  # longest run of zeros, in seconds of bits, that passes the TCF
BAD_PAGE_FRACTION = 0.15  # at or above this share of bad rows the page is refused (RTN)
MAX_DIS_WITHOUT_DCS = 12

# Results.
OK = "ok"
NO_DCS = "t1_no_dcs"  # T1 ran out: the caller never sent a DCS (not a fax machine?)
T2_TIMEOUT = "t2_timeout"  # waited for a page or command too long
UNSUPPORTED = "unsupported_settings"  # DCS asked for something this receiver cannot do
DISCONNECTED = "disconnected_early"  # DCN before the last page
CALL_CUT = "call_cut"  # the line went away mid-call
TRAINING_FAILED = "training_failed"


@dataclass
class FaxResult:
    result: str = ""
    pages: list[DecodedPage] = field(default_factory=list)
    remote_ident: str = ""
    modem: str = ""
    bit_rate: int = 0
    fine: bool = False
    duration_s: float = 0.0
    partial_last_page: bool = False

    def summary(self) -> dict[str, object]:
        return {
            "result": self.result,
            "pages": len(self.pages),
            "rate": self.bit_rate,
            "modem": self.modem,
            "remote_ident": self.remote_ident,
            "resolution": "fine" if self.fine else "standard",
            "duration_s": round(self.duration_s, 1),
            "partial_last_page": self.partial_last_page,
            "bad_rows": [page.bad_rows for page in self.pages],
        }


class FaxReceiver:
    def __init__(self, local_ident: str = "", two_dimensional: bool = True) -> None:
        self.local_ident = local_ident
        self.two_dimensional = two_dimensional
        self.outcome = FaxResult()
        self.done = False
        self._clock = 0  # samples processed
        self._tx = np.zeros(0, dtype=np.int16)
        self._v21_tx = V21Transmitter()
        self._v21_rx = V21Receiver()
        self._state = "answer"
        self._deadline_t1 = 0
        self._timer = 0  # sample time at which the current T2/T4 wait ends
        self._dcs: t30.Dcs | None = None
        self._modem: V17Receiver | V29Receiver | V27terReceiver | None = None
        # V.17 bursts after a TCF use the short train, which starts from the last equaliser.
        self._v17_trained: V17Receiver | None = None
        self._decoder: T4Decoder | None = None
        self._zero_run = 0
        self._longest_zero_run = 0
        self._last_response: bytes | None = None
        self._last_command = -1
        self._dis_sent = 0
        self._cost_s = 0.0
        self._control_level = 0.0  # power of the sender's V.21 signal
        self._ecm_block: EcmBlock | None = None
        self._ecm_page = bytearray()
        self._ecm_confirmed: tuple[int, int] | None = None  # (page, block) last answered MCF

    # Audio in, audio out.

    def process(self, samples: np.ndarray) -> np.ndarray:
        count = len(samples)
        started = time.perf_counter()
        if not self.done:
            self._step(np.asarray(samples, dtype=np.int16))
        self._clock += count
        out = self._tx[:count]
        self._tx = self._tx[count:]
        if out.size < count:
            out = np.concatenate((out, np.zeros(count - out.size, dtype=np.int16)))
        self._cost_s += time.perf_counter() - started
        return out

    def hang_up(self) -> FaxResult:
        """The line is gone: keep what arrived and say how it ended."""
        if not self.done:
            if self._ecm_block is not None:
                self._decoder = self._ecm_decoder()
            if self._decoder is not None and self._decoder.page.rows:
                self._keep_page(partial=True)
            self._finish(CALL_CUT)
        return self.outcome

    @property
    def cost_seconds(self) -> float:
        return self._cost_s

    # Machinery.

    def _seconds(self, value: float) -> int:
        return round(value * SAMPLE_RATE_HZ)

    def _send(self, audio: np.ndarray) -> None:
        self._tx = np.concatenate((self._tx, audio.astype(np.int16)))

    def _transmitting(self) -> bool:
        return self._tx.size > 0

    def _send_frames(self, frames: list[bytes]) -> None:
        self._send(np.zeros(self._seconds(GAP_S), dtype=np.int16))
        self._send(self._v21_tx.modulate_frames(frames))
        self._v21_rx = V21Receiver()

    def _respond(self, fcf: int) -> None:
        response = t30.frame(fcf)
        self._last_response = response
        self._send_frames([response])

    def _finish(self, result: str) -> None:
        self.done = True
        self.outcome.result = result
        self.outcome.duration_s = self._clock / SAMPLE_RATE_HZ

    def _send_dis(self) -> None:
        self._dis_sent += 1
        frames = []
        if self.local_ident:
            frames.append(t30.frame(t30.CSI, t30.encode_ident(self.local_ident), final=False))
        frames.append(t30.frame(t30.DIS, t30.receiver_dis(self.two_dimensional)))
        self._send_frames(frames)
        self._timer = self._clock + self._seconds(T4_S) + self._tx.size

    def _step(self, samples: np.ndarray) -> None:
        if self._state == "answer":
            self._send(np.zeros(self._seconds(SILENCE_BEFORE_CED_S), dtype=np.int16))
            n = np.arange(self._seconds(CED_SECONDS))
            ced = dbm0_to_amplitude(CED_LEVEL_DBM0) * np.sin(
                2 * math.pi * CED_HZ * n / SAMPLE_RATE_HZ
            )
            self._send(np.round(ced))
            self._deadline_t1 = self._clock + self._seconds(T1_S)
            self._send_dis()
            self._state = "wait_dcs"
            return
        if self._transmitting():
            return  # half duplex: what comes back while we talk is our own echo
        frames = self._v21_rx.process(samples)
        if self._state in ("tcf", "page"):
            self._feed_modem(samples, frames)
        for received in frames:
            self._on_frame(received)
            if self.done:
                return
        self._check_timers()

    def _check_timers(self) -> None:
        if self._clock < self._timer or self._v21_rx.carrier:
            return
        if self._state == "wait_dcs":
            if self._clock >= self._deadline_t1 or self._dis_sent >= MAX_DIS_WITHOUT_DCS:
                self._send_frames([t30.frame(t30.DCN)])
                self._finish(NO_DCS if not self.outcome.pages else T2_TIMEOUT)
            else:
                self._send_dis()
        elif self._state == "tcf":
            self._respond(t30.FTT)
            self._state = "wait_dcs"
            self._timer = self._clock + self._seconds(T2_S) + self._tx.size
        elif self._state == "wait_dcn":
            self._finish(OK)
        elif self._state in ("page", "post_page"):
            if self._modem is not None and self._modem.carrier:
                return
            self._send_frames([t30.frame(t30.DCN)])
            self._finish(T2_TIMEOUT)

    def _on_frame(self, received: bytes) -> None:
        if len(received) < 3:
            return
        fcf = t30.fcf_of(received)
        fif = received[3:]
        if fcf == t30.TSI:
            self.outcome.remote_ident = t30.decode_ident(fif)
        elif fcf == t30.DCS:
            self._on_dcs(fif)
        elif fcf == t30.PPS and len(fif) >= 4:
            self._on_pps(fif)
        elif fcf == t30.CTC and self._dcs is not None and len(fif) >= 2:
            try:
                modem, rate = t30.modem_of(fif + b"\x00")
            except t30.UnsupportedDcs:
                return
            self._dcs = dataclasses.replace(self._dcs, modem=modem, bit_rate=rate)
            self.outcome.modem, self.outcome.bit_rate = modem, rate
            self._respond(t30.CTR)
            self._modem = self._new_modem(long_train=True)
            self._state = "page"
            self._timer = self._clock + self._seconds(T2_S) + self._tx.size
        elif fcf in t30.POST_MESSAGE:
            self._on_post_message(t30.POST_MESSAGE[fcf])
        elif fcf == t30.DCN:
            if self._state == "wait_dcn":
                self._finish(OK)
            else:
                if self._ecm_block is not None:
                    self._decoder = self._ecm_decoder()
                if self._decoder is not None and self._decoder.page.rows:
                    self._keep_page(partial=True)
                self._finish(DISCONNECTED)
        elif fcf == t30.CRP and self._last_response is not None:
            self._send_frames([self._last_response])

    def _on_dcs(self, fif: bytes) -> None:
        try:
            dcs = t30.parse_dcs(fif)
        except t30.UnsupportedDcs:
            self._send_frames([t30.frame(t30.DCN)])
            self._finish(UNSUPPORTED)
            return
        self._dcs = dcs
        self.outcome.modem = dcs.modem
        self.outcome.bit_rate = dcs.bit_rate
        self.outcome.fine = dcs.fine
        self._modem = self._new_modem(long_train=True)
        self._zero_run = 0
        self._longest_zero_run = 0
        self._state = "tcf"
        self._timer = self._clock + self._seconds(T2_S)

    def _feed_modem(self, samples: np.ndarray, frames: list[bytes]) -> None:
        modem = self._modem
        assert modem is not None and self._dcs is not None
        if frames and not modem.trained:
            return  # a V.21 command came instead of the fast modem
        bits = modem.process(samples)
        if isinstance(modem, V17Receiver) and modem.trained:
            self._v17_trained = modem
        if self._state == "tcf":
            run, longest = self._zero_run, self._longest_zero_run
            for value in bits:
                run = 0 if value else run + 1
                longest = max(longest, run)
            self._zero_run, self._longest_zero_run = run, longest
            if not modem.carrier_ended:
                return
            if not modem.trained and not modem.training_failed:
                # A burst too short to train on (the tail of the DCS): keep listening.
                self._modem = self._new_modem(long_train=True)
                return
            if modem.trained and longest >= TCF_PASS_SECONDS * self._dcs.bit_rate:
                self._respond(t30.CFR)
                self._start_page()
            else:
                self._respond(t30.FTT)
                self._state = "wait_dcs"
                self._timer = self._clock + self._seconds(T2_S) + self._tx.size
            return
        if self._ecm_block is not None:
            self._ecm_block.put_bits(bits)
        elif self._decoder is not None:
            self._decoder.put_bits(bits)
        else:
            return
        if modem.carrier_ended:
            if modem.trained:
                self._state = "post_page"
                self._timer = self._clock + self._seconds(T2_S)
            else:
                self._modem = self._new_modem()
                if self._ecm_block is not None:
                    self._ecm_block.restart_carrier()

    def _new_modem(self, long_train: bool = False) -> V17Receiver | V29Receiver | V27terReceiver:
        assert self._dcs is not None
        level = self._v21_rx.level or self._control_level
        self._control_level = level
        if self._dcs.modem == "V.17":
            after = None if long_train else self._v17_trained
            return V17Receiver(self._dcs.bit_rate, level, after=after)
        if self._dcs.modem == "V.29":
            return V29Receiver(self._dcs.bit_rate, level)
        return V27terReceiver(self._dcs.bit_rate, level)

    def _start_page(self) -> None:
        assert self._dcs is not None
        self._modem = self._new_modem()
        if self._dcs.ecm:
            self._ecm_block = EcmBlock()
            self._ecm_page = bytearray()
            self._decoder = None
        else:
            self._decoder = T4Decoder(self._dcs.width, self._dcs.two_dimensional)
        self._state = "page"
        self._timer = self._clock + self._seconds(T2_S) + self._tx.size

    def _ecm_decoder(self) -> T4Decoder:
        """The page so far, from the confirmed blocks and the frames of the current one."""
        assert self._dcs is not None
        decoder = T4Decoder(self._dcs.width, self._dcs.two_dimensional)
        data = bytes(self._ecm_page)
        if self._ecm_block is not None:
            frames = self._ecm_block.frames
            data += b"".join(frames[k] for k in sorted(frames) if k < (max(frames) + 1))
        decoder.put_bits(octets_to_bits(data))
        return decoder

    def _on_pps(self, fif: bytes) -> None:
        command, page_number, block_number, count = fif[0] & 0xFE, fif[1], fif[2], fif[3] + 1
        if self._ecm_confirmed == (page_number, block_number) or self._ecm_block is None:
            if self._last_response is not None:
                self._send_frames([self._last_response])  # our MCF was missed
            return
        block = self._ecm_block
        if block.missing(count):
            response = t30.frame(t30.PPR, block.ppr_map())
            self._last_response = response
            self._send_frames([response])
            self._modem = self._new_modem()
            block.restart_carrier()
            self._state = "page"
            self._timer = self._clock + self._seconds(T2_S) + self._tx.size
            return
        self._ecm_page += block.data()
        self._ecm_confirmed = (page_number, block_number)
        if command == t30.NULL:
            self._respond(t30.MCF)
            self._ecm_block = EcmBlock()
            self._modem = self._new_modem()
            self._state = "page"
            self._timer = self._clock + self._seconds(T2_S) + self._tx.size
            return
        self._ecm_block = None
        self._decoder = self._ecm_decoder()
        self._keep_page(partial=False)
        self._respond(t30.MCF)
        following = t30.POST_MESSAGE.get(command, t30.EOP)
        self._last_command = following
        if following == t30.MPS:
            self._start_page()
        elif following == t30.EOM:
            self._state = "wait_dcs"
            self._timer = self._clock + self._seconds(T2_S) + self._tx.size
        else:
            self._state = "wait_dcn"
            self._timer = self._clock + self._seconds(T4_S) + self._tx.size

    def _keep_page(self, partial: bool) -> DecodedPage:
        assert self._decoder is not None
        page = self._decoder.page
        self.outcome.pages.append(page)
        self.outcome.partial_last_page = partial or not page.complete
        self._decoder = None
        return page

    def _on_post_message(self, command: int) -> None:
        if self._state not in ("page", "post_page"):
            if command == self._last_command and self._last_response is not None:
                self._send_frames([self._last_response])  # our reply was missed
            return
        self._last_command = command
        decoder = self._decoder
        good = decoder is not None and bool(decoder.page.rows)
        if good and decoder is not None:
            page = decoder.page
            good = page.bad_rows < BAD_PAGE_FRACTION * len(page.rows)
            if good:
                self._keep_page(partial=False)
        self._respond(t30.MCF if good else t30.RTN)
        if not good:
            self._state = "wait_dcs"
            self._timer = self._clock + self._seconds(T2_S) + self._tx.size
        elif command == t30.MPS:
            self._start_page()
        elif command == t30.EOM:
            self._state = "wait_dcs"
            self._timer = self._clock + self._seconds(T2_S) + self._tx.size
        else:
            self._state = "wait_dcn"
            self._timer = self._clock + self._seconds(T4_S) + self._tx.size
