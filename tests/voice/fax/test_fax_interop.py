"""Interop: spandsp's fax transmitter sends TIFF pages; our receiver must reproduce them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bench.fax_pages import LineModel, ink_overlap, matching_fraction, run_call, write_tiff
from bench.spandsp_fax import (
    COMPRESSION_T4_1D,
    COMPRESSION_T4_2D,
    SUPPORT_V17,
    SUPPORT_V27TER,
    SUPPORT_V29,
    T30_ERR_OK,
    SpandspFaxSender,
)
from voice.fax import t30
from voice.fax.document import pdf_bytes
from voice.fax.receiver import OK, FaxReceiver, FaxResult


def _pdf_page_count(data: bytes) -> int:
    return data.count(b"/Type /Page\n") or data.count(b"/Type/Page") or data.count(b"/Type /Page")


def _receive(
    tmp_path: Path,
    pages: int,
    compressions: int,
    modems: int = SUPPORT_V29,
    line: LineModel | None = None,
    ecm: bool = False,
    receiver: FaxReceiver | None = None,
) -> tuple[list[np.ndarray], FaxResult, SpandspFaxSender]:
    source_path = tmp_path / "source.tif"
    sources = write_tiff(source_path, pages)
    sender = SpandspFaxSender(
        str(source_path), ident="+1 555 0100", compressions=compressions, modems=modems, ecm=ecm
    )
    outcome = run_call(sender, receiver or FaxReceiver("+1 555 0199"), line)
    return sources, outcome, sender


def test_one_page_mh_at_9600_arrives_whole(tmp_path: Path) -> None:
    sources, outcome, sender = _receive(tmp_path, 1, COMPRESSION_T4_1D)
    assert sender.completion == T30_ERR_OK
    assert outcome.result == OK
    assert outcome.bit_rate == 9600 and outcome.remote_ident == "+1 555 0100"
    assert len(outcome.pages) == 1
    assert matching_fraction(outcome.pages[0].image(), sources[0]) >= 0.99
    pdf = pdf_bytes(outcome.pages, outcome.fine)
    assert pdf.startswith(b"%PDF")


@pytest.mark.slow
def test_three_mr_pages_arrive_whole_in_the_pdf(tmp_path: Path) -> None:
    sources, outcome, sender = _receive(tmp_path, 3, COMPRESSION_T4_1D | COMPRESSION_T4_2D)
    assert sender.completion == T30_ERR_OK
    assert outcome.result == OK and len(outcome.pages) == 3
    for page, source in zip(outcome.pages, sources, strict=True):
        assert matching_fraction(page.image(), source) >= 0.99
    pdf = pdf_bytes(outcome.pages, outcome.fine)
    assert pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") == 3


def _assert_pages_match(outcome: FaxResult, sources: list[np.ndarray]) -> None:
    assert outcome.result == OK and len(outcome.pages) == len(sources)
    for page, source in zip(outcome.pages, sources, strict=True):
        assert matching_fraction(page.image(), source) >= 0.99


@pytest.mark.slow
def test_three_pages_at_v27ter_4800(tmp_path: Path) -> None:
    sources, outcome, sender = _receive(tmp_path, 3, COMPRESSION_T4_1D, modems=SUPPORT_V27TER)
    assert sender.completion == T30_ERR_OK
    assert outcome.bit_rate == 4800 and outcome.modem == "V.27ter"
    _assert_pages_match(outcome, sources)


@pytest.mark.slow
def test_three_pages_through_a_line_with_loss_and_noise(tmp_path: Path) -> None:
    line = LineModel(loss_db=10, snr_db=20)
    sources, outcome, sender = _receive(
        tmp_path,
        3,
        COMPRESSION_T4_1D | COMPRESSION_T4_2D,
        modems=SUPPORT_V27TER | SUPPORT_V29,
        line=line,
    )
    assert sender.completion == T30_ERR_OK
    _assert_pages_match(outcome, sources)


@pytest.mark.slow
def test_a_line_too_poor_for_9600_steps_down_instead_of_failing(tmp_path: Path) -> None:
    line = LineModel(loss_db=10, snr_db=14)
    sources, outcome, sender = _receive(
        tmp_path, 1, COMPRESSION_T4_1D, modems=SUPPORT_V27TER | SUPPORT_V29, line=line
    )
    assert sender.completion == T30_ERR_OK
    assert outcome.bit_rate < 9600
    _assert_pages_match(outcome, sources)


@pytest.mark.slow
def test_thirty_pages_in_one_call_arrive_whole(tmp_path: Path) -> None:
    sources, outcome, sender = _receive(tmp_path, 30, COMPRESSION_T4_1D | COMPRESSION_T4_2D)
    assert sender.completion == T30_ERR_OK
    _assert_pages_match(outcome, sources)


@pytest.mark.slow
@pytest.mark.parametrize("modems", [SUPPORT_V29, SUPPORT_V27TER], ids=["V.29 9600", "V.27ter 4800"])
def test_three_pages_with_ecm(tmp_path: Path, modems: int) -> None:
    sources, outcome, sender = _receive(
        tmp_path, 3, COMPRESSION_T4_1D | COMPRESSION_T4_2D, modems=modems, ecm=True
    )
    assert sender.completion == T30_ERR_OK
    assert outcome.bit_rate == (9600 if modems == SUPPORT_V29 else 4800)
    _assert_pages_match(outcome, sources)


@pytest.mark.slow
def test_ecm_asks_again_for_frames_a_noise_burst_destroyed(tmp_path: Path) -> None:
    receiver = FaxReceiver("+1 555 0199")
    sent: list[bytes] = []
    send_frames = receiver._send_frames

    def record(frames: list[bytes]) -> None:
        sent.extend(frames)
        send_frames(frames)

    receiver._send_frames = record  # type: ignore[method-assign]
    line = LineModel(loss_db=10, snr_db=30, bursts=((12.0, 0.02),))
    sources, outcome, sender = _receive(
        tmp_path, 1, COMPRESSION_T4_1D, ecm=True, line=line, receiver=receiver
    )
    assert any(frame[2] == 0xBC for frame in sent)  # PPR
    assert sender.completion == T30_ERR_OK
    _assert_pages_match(outcome, sources)


ALL_MODEMS = SUPPORT_V17 | SUPPORT_V29 | SUPPORT_V27TER


@pytest.mark.slow
@pytest.mark.parametrize("ecm", [False, True], ids=["without ECM", "with ECM"])
def test_three_pages_at_v17_14400(tmp_path: Path, ecm: bool) -> None:
    sources, outcome, sender = _receive(
        tmp_path, 3, COMPRESSION_T4_1D | COMPRESSION_T4_2D, modems=ALL_MODEMS, ecm=ecm
    )
    assert sender.completion == T30_ERR_OK
    assert outcome.modem == "V.17" and outcome.bit_rate == 14400
    _assert_pages_match(outcome, sources)
    for page, source in zip(outcome.pages, sources, strict=True):
        assert ink_overlap(page.image(), source) >= 0.95
    pdf = pdf_bytes(outcome.pages, outcome.fine)
    assert pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") == 3


@pytest.mark.slow
def test_v17_14400_through_a_line_with_loss_and_noise(tmp_path: Path) -> None:
    line = LineModel(loss_db=10, snr_db=20)
    sources, outcome, sender = _receive(
        tmp_path, 3, COMPRESSION_T4_1D | COMPRESSION_T4_2D, modems=ALL_MODEMS, line=line
    )
    assert sender.completion == T30_ERR_OK
    assert outcome.bit_rate == 14400
    _assert_pages_match(outcome, sources)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("snr_db", "last_offer"),
    [(17, ("V.17", 12000)), (12, ("V.17", 7200)), (9, ("V.27ter", 2400))],
)
def test_a_line_too_poor_for_14400_steps_down_from_v17(
    tmp_path: Path, snr_db: float, last_offer: tuple[str, int]
) -> None:
    receiver = FaxReceiver("+1 555 0199")
    offered: list[tuple[str, int]] = []
    on_dcs = receiver._on_dcs

    def record(fif: bytes) -> None:
        dcs = t30.parse_dcs(fif)
        offered.append((dcs.modem, dcs.bit_rate))
        on_dcs(fif)

    receiver._on_dcs = record  # type: ignore[method-assign]
    line = LineModel(loss_db=10, snr_db=snr_db)
    sources, outcome, sender = _receive(
        tmp_path, 1, COMPRESSION_T4_1D, modems=ALL_MODEMS, line=line, receiver=receiver
    )
    assert sender.completion == T30_ERR_OK
    # Each FTT brought an offer no faster than the one before, starting from V.17 14400.
    assert offered[0] == ("V.17", 14400) and len(offered) > 1
    rates = [rate for _, rate in offered]
    assert rates == sorted(rates, reverse=True)
    assert offered[-1] == last_offer == (outcome.modem, outcome.bit_rate)
    _assert_pages_match(outcome, sources)
