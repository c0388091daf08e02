"""The fax building blocks against the standards' numbers and spandsp's modems."""

from __future__ import annotations

import numpy as np

from bench.spandsp_fax import v17_modulate, v27ter_modulate, v29_modulate
from voice.fax import t30, v17
from voice.fax.ecm import EcmBlock
from voice.fax.hdlc import HdlcDecoder, HdlcEncoder, crc16, frame_check_sequence
from voice.fax.t4 import decode_1d
from voice.fax.v17 import TrainingPlan, V17Receiver
from voice.fax.v21 import V21Receiver, V21Transmitter
from voice.fax.v27ter import V27terReceiver
from voice.fax.v29 import V29Receiver


def test_crc_matches_the_hdlc_check_value() -> None:
    assert crc16(b"123456789") ^ 0xFFFF == 0x906E
    cfr = t30.frame(t30.CFR)
    assert (cfr + frame_check_sequence(cfr)).hex() == "ff1384ea7d"
    assert (t30.frame(t30.DCN) + frame_check_sequence(t30.frame(t30.DCN))).hex() == "ff13fa13e7"


def test_cfr_on_the_line_has_three_stuffed_zeros() -> None:
    bits = HdlcEncoder().frame_bits(t30.frame(t30.CFR))
    assert "".join(map(str, bits)) == "111110111110001000001000010101011110111110" + "0"


def test_decoder_rejects_a_corrupted_frame() -> None:
    bits = HdlcEncoder().encode([t30.frame(t30.MCF)], preamble_flags=2)
    bits[30] ^= 1
    decoder = HdlcDecoder()
    assert decoder.put_bits([*bits, 0, 1, 1, 1, 1, 1, 1, 0]) == []
    assert decoder.bad_frames == 1


def test_v21_round_trip_through_audio() -> None:
    frames = [
        t30.frame(t30.CSI, t30.encode_ident("+1 555 0100"), final=False),
        t30.frame(t30.DIS, t30.receiver_dis()),
    ]
    audio = V21Transmitter().modulate_frames(frames)
    audio = np.concatenate([np.zeros(333, np.int16), audio, np.zeros(800, np.int16)])
    receiver = V21Receiver()
    received = []
    for start in range(0, audio.size, 160):
        received += receiver.process(audio[start : start + 160])
    assert received == frames
    assert t30.decode_ident(received[0][3:]) == "+1 555 0100"


def test_mh_line_from_the_reference_vector() -> None:
    # 100 white, 28 black, 1600 white.
    bits = "110110001010100001100110001001101000110101"
    row = decode_1d(bits, 1728)
    assert row[:100].sum() == 0 and row[100:128].all() and row[128:].sum() == 0


def test_v29_receiver_recovers_spandsp_data_bits() -> None:
    rng = np.random.default_rng(7)
    for rate in (9600, 7200):
        data = [int(b) for b in rng.integers(0, 2, 4000)]
        audio = v29_modulate([1] * 60 + data, rate)
        audio = np.concatenate([np.zeros(400, np.int16), audio, np.zeros(800, np.int16)])
        receiver = V29Receiver(rate)
        bits: list[int] = []
        for start in range(0, audio.size, 160):
            bits += receiver.process(audio[start : start + 160])
        assert receiver.trained
        text = "".join(map(str, bits))
        assert "".join(map(str, data)) in text


def test_v27ter_receiver_recovers_spandsp_data_bits() -> None:
    rng = np.random.default_rng(8)
    for rate in (4800, 2400):
        data = [int(b) for b in rng.integers(0, 2, 3000)]
        audio = v27ter_modulate([1] * 60 + data, rate)
        audio = np.concatenate([np.zeros(400, np.int16), audio, np.zeros(800, np.int16)])
        receiver = V27terReceiver(rate)
        bits: list[int] = []
        for start in range(0, audio.size, 160):
            bits += receiver.process(audio[start : start + 160])
        assert receiver.trained
        assert "".join(map(str, data)) in "".join(map(str, bits))


def test_ppr_map_asks_for_missing_frames_and_everything_past_the_block() -> None:
    block = EcmBlock()
    block.frames = {0: b"a", 2: b"c"}
    assert block.missing(3) == [1]
    ppr = block.ppr_map()
    assert len(ppr) == 32
    assert ppr[0] == 0b11111010  # frame 1 missing, frames 3-7 beyond the block
    assert all(octet == 0xFF for octet in ppr[1:])


def test_v17_training_and_seven_two_hundred_map_match_the_reference() -> None:
    plan = TrainingPlan(7200, short=False)
    names = {point: name for point, name in zip(v17.TRAINING_POINTS, "ABCD", strict=True)}
    assert "".join(names[p] for p in plan.segment_1[:4]) == "ABAB"
    assert "".join(names[p] for p in plan.segment_2[:32]) == "CDCDCDCDCDCDBDBDBDBDBABBBBBBBBCB"
    assert len(plan.segment_2) == 2976 and len(TrainingPlan(7200, short=True).segment_2) == 38
    assert v17.MAPS[7200][:4] == ((6, -6), (-2, 6), (6, 2), (-6, -6))
    for rate, size in ((7200, 16), (9600, 32), (12000, 64), (14400, 128)):
        assert len(set(v17.MAPS[rate])) == size


def test_v17_trellis_decoder_corrects_a_disturbed_symbol() -> None:
    rng = np.random.default_rng(3)
    state, diff, labels = 0, 0, []
    for _ in range(200):
        q = int(rng.integers(0, 64))
        diff = (diff + q) & 3
        state = v17.next_trellis_state(state, diff)
        labels.append(((q << 1) & 0x78) | (diff << 1) | ((state >> 2) & 1))
    points = [complex(*v17.MAPS[14400][label]) for label in labels]
    points[100] += complex(0.9, 0.9)  # past the slicer's decision boundary
    decoder = v17.TrellisDecoder(14400, start_state=None)
    decided = [label for p in points if (label := decoder.push(p)) is not None]
    decided += decoder.flush()
    assert decided == labels


def test_v17_receiver_recovers_spandsp_data_bits_after_long_and_short_training() -> None:
    rng = np.random.default_rng(9)
    for rate in (14400, 12000, 9600, 7200):
        data = [[int(b) for b in rng.integers(0, 2, 3000)] for _ in range(2)]
        bursts = v17_modulate([[1] * 60 + part for part in data], rate)
        previous = None
        for part, audio in zip(data, bursts, strict=True):
            audio = np.concatenate([np.zeros(437, np.int16), audio, np.zeros(800, np.int16)])
            receiver = V17Receiver(rate, after=previous)
            bits: list[int] = []
            for start in range(0, audio.size, 160):
                bits += receiver.process(audio[start : start + 160])
            assert receiver.trained and receiver.short_train == (previous is not None)
            assert "".join(map(str, part)) in "".join(map(str, bits))
            previous = receiver
