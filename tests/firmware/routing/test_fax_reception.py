"""The fax reception operation: CED at once, the receiver on a media tap, the PDF mailed."""

from __future__ import annotations

import email
import io
from datetime import datetime
from email import policy
from pathlib import Path
from typing import Any

import numpy as np
import pikepdf
import pytest
from pikepdf import PdfImage

from bench.fax_pages import ink_overlap, matching_fraction, write_tiff
from bench.spandsp import load_library
from bench.spandsp_fax import (
    COMPRESSION_T4_1D,
    COMPRESSION_T4_2D,
    SUPPORT_V17,
    SUPPORT_V27TER,
    SUPPORT_V29,
    T30_ERR_OK,
    SpandspFaxSender,
)
from firmware.mail.fax import FaxInbox
from firmware.mail.message import OutgoingMail, compose
from firmware.verbs import EndReason
from tests.firmware.routing.conftest import Rig, config_with, run, scenario
from tests.firmware.routing.fax_caller import fax_machine, let_sender_finish

pytestmark = pytest.mark.skipif(load_library() is None, reason="libspandsp2 is not installed")


class RecordingOutbox:
    def __init__(self) -> None:
        self.mails: list[OutgoingMail] = []

    async def queue(self, mail: OutgoingMail, *, key: str | None = None) -> None:
        self.mails.append(mail)


def _fax_call(
    tmp_path: Path, pages: int, patience_s: float | None = None, **sender_options: Any
) -> tuple[Any, RecordingOutbox, list[np.ndarray], SpandspFaxSender]:
    sources = write_tiff(tmp_path / "source.tif", pages)
    sender = SpandspFaxSender(
        str(tmp_path / "source.tif"), ident="+7 495 111 2233", **sender_options
    )
    outbox = RecordingOutbox()
    config = config_with(scenario({"first": {"type": "fax", "email": ["office@example.com"]}}))

    async def main() -> Any:
        rig = Rig(config)
        rig.runner.services.fax_inbox = FaxInbox(outbox, lambda: [])  # type: ignore[arg-type]
        return await rig.inbound(
            caller_number="84951112233", line_audio=fax_machine(sender), patience_s=patience_s
        )

    call = run(main())
    return call, outbox, sources, sender


def _pdf(mail: OutgoingMail) -> bytes:
    composed = compose(mail, date=datetime.now().astimezone())
    message = email.message_from_bytes(composed.message, policy=policy.default)
    pdfs = [
        part.get_content()
        for part in message.iter_attachments()
        if part.get_content_type() == "application/pdf"
    ]
    assert len(pdfs) == 1
    return bytes(pdfs[0])


def _pdf_pages(mail: OutgoingMail) -> int:
    data = _pdf(mail)
    return data.count(b"/Type /Page") - data.count(b"/Type /Pages")


def _pdf_pixels(mail: OutgoingMail) -> list[np.ndarray]:
    """Each page's bitmap as the mail's reader would see it (1 = black)."""
    document = pikepdf.Pdf.open(io.BytesIO(_pdf(mail)))
    pages = []
    for page in document.pages:
        (image,) = page.get_images().values()
        assert isinstance(image, pikepdf.Stream)
        bitmap = PdfImage(image).as_pil_image().convert("1")
        pages.append(1 - np.asarray(bitmap, dtype=np.uint8))
    return pages


def test_fax_call_is_answered_with_ced_and_mailed_as_pdf(tmp_path: Path) -> None:
    call, outbox, _, sender = _fax_call(tmp_path, 1)
    assert call.system_answered
    assert call.end_reason == EndReason.FAX
    assert len(outbox.mails) == 1
    mail = outbox.mails[0]
    assert mail.recipients == ["office@example.com"]
    assert "+7 495 111 2233" in mail.subject and "1 page" in mail.subject
    assert "Caller: 84951112233" in mail.body and "9600 bit/s" in mail.body
    assert _pdf_pages(mail) == 1
    sender.close()


def test_fax_cut_mid_page_delivers_what_arrived(tmp_path: Path) -> None:
    # The caller hangs up 12 s in, while the page (about 10.5 to 14.5 s) is arriving.
    call, outbox, _, sender = _fax_call(tmp_path, 1, patience_s=12.0)
    assert call.end_reason == EndReason.CALLER_GAVE_UP
    assert len(outbox.mails) == 1
    mail = outbox.mails[0]
    assert "(incomplete)" in mail.subject
    assert "call was cut" in mail.body and "Page 1 was cut off" in mail.body
    assert _pdf_pages(mail) == 1
    sender.close()


@pytest.mark.slow
@pytest.mark.parametrize("ecm", [False, True], ids=["no ECM", "ECM"])
def test_three_mr_pages_mailed_as_a_three_page_pdf(tmp_path: Path, ecm: bool) -> None:
    call, outbox, _, sender = _fax_call(
        tmp_path, 3, ecm=ecm, compressions=COMPRESSION_T4_1D | COMPRESSION_T4_2D
    )
    let_sender_finish(sender)
    assert sender.completion == T30_ERR_OK
    assert call.end_reason == EndReason.FAX
    mail = outbox.mails[0]
    assert "3 pages" in mail.subject and "(incomplete)" not in mail.subject
    assert _pdf_pages(mail) == 3
    sender.close()


@pytest.mark.slow
@pytest.mark.parametrize("ecm", [False, True], ids=["no ECM", "ECM"])
def test_three_pages_at_v17_14400_mailed_pixel_for_pixel(tmp_path: Path, ecm: bool) -> None:
    call, outbox, sources, sender = _fax_call(
        tmp_path,
        3,
        ecm=ecm,
        compressions=COMPRESSION_T4_1D | COMPRESSION_T4_2D,
        modems=SUPPORT_V17 | SUPPORT_V29 | SUPPORT_V27TER,
    )
    let_sender_finish(sender)
    assert sender.completion == T30_ERR_OK
    assert call.end_reason == EndReason.FAX
    mail = outbox.mails[0]
    assert "3 pages" in mail.subject and "14400 bit/s" in mail.body
    pages = _pdf_pixels(mail)
    assert len(pages) == 3
    for received, source in zip(pages, sources, strict=True):
        assert matching_fraction(received, source) >= 0.99
        assert ink_overlap(received, source) >= 0.95  # and not a different or blank page
    sender.close()
