"""A fax machine calls the office on the simulated hat: spandsp's sender on the exchange
line's far end, our receiver behind the scenario's fax operation, the PDF in the mail."""

from __future__ import annotations

import pytest

from bench.fax_pages import write_tiff
from bench.spandsp import load_library
from bench.spandsp_fax import SpandspFaxSender
from tests.firmware.engine.test_inbound import run_until
from tests.firmware.engine.test_routed_inbound import WEDNESDAY_MORNING, appliance_at, routed_config
from tests.firmware.mail.smtp_server import SmtpServer

pytestmark = pytest.mark.skipif(load_library() is None, reason="libspandsp2 is not installed")


def fax_pbx_config(smtp_port: int) -> dict:
    document = routed_config()
    document["email"].update(
        host="127.0.0.1", port=smtp_port, security="none", from_address="pbx@office.example"
    )
    document["routing"]["scenarios"] = [
        {"id": "main", "name": "Fax", "start": "fax",
         "operations": {"fax": {"type": "fax", "email": ["fax@office.example"]}}}
    ]  # fmt: skip
    document["routing"]["call_centres"] = []
    return document


def pdf_pages(data: bytes) -> int:
    return data.count(b"/Type /Page") - data.count(b"/Type /Pages")


@pytest.mark.parametrize("pages", [1, 3], ids=["1 page", "3 pages"])
def test_a_fax_through_the_exchange_line_arrives_as_a_pdf_mail(tmp_path, pages):
    write_tiff(tmp_path / "source.tif", pages)
    sender = SpandspFaxSender(str(tmp_path / "source.tif"), ident="+7 495 111 2233")

    def fax_machine(heard):
        sender.receive(heard)
        return sender.transmit(len(heard))

    with (
        SmtpServer() as server,
        appliance_at(WEDNESDAY_MORNING, fax_pbx_config(server.port)) as pbx,
    ):
        line = pbx.line(0)
        line.attach(fax_machine)
        line.ring("84951112233")
        run_until(pbx, line.is_seized, 12)
        run_until(pbx, lambda: not line.is_seized(), 60 * pages + 30)  # the receiver ends the call
        for _ in range(300):
            if server.received:
                break
            pbx.run_for(1)
        (row,) = pbx.history()
    sender.close()
    (mail,) = server.received
    message = mail.message
    assert mail.recipients == ["fax@office.example"]
    assert "+7 495 111 2233" in message["Subject"]
    assert f"{pages} page" in message["Subject"] and "incomplete" not in message["Subject"]
    (pdf,) = [p.get_content() for p in message.iter_attachments()]
    assert pdf_pages(pdf) == pages
    assert row["end_reason"] == "fax"
