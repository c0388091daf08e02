"""A fax machine calls the office on the simulated hat: spandsp's sender on the exchange
line's far end, our receiver behind the scenario's fax operation, the PDF in the mail."""

from __future__ import annotations

import sqlite3

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


def test_a_fax_machine_calling_into_the_greeting_menu_is_moved_to_fax_reception(tmp_path):
    write_tiff(tmp_path / "source.tif", 1)
    sender = SpandspFaxSender(str(tmp_path / "source.tif"), ident="+7 495 111 2233")

    def fax_machine(heard):
        sender.receive(heard)
        return sender.transmit(len(heard))

    with SmtpServer() as server:
        document = routed_config()  # orders and support: a greeting menu in office hours
        document["email"].update(
            host="127.0.0.1", port=server.port, security="none", from_address="pbx@office.example"
        )
        document["routing"]["inbound"]["fax_email"] = ["fax@office.example"]
        with appliance_at(WEDNESDAY_MORNING, document) as pbx:
            line = pbx.line(0)
            line.attach(fax_machine)
            line.ring("84951112233")
            run_until(pbx, line.is_seized, 12)
            run_until(pbx, lambda: not line.is_seized(), 90)
            for _ in range(300):
                if server.received:
                    break
                pbx.run_for(1)
            (row,) = pbx.history()
            with sqlite3.connect(pbx.paths.history_db) as db:
                path = [
                    tuple(r) for r in db.execute("SELECT operation, kind, exit FROM call_steps")
                ]
    sender.close()
    (mail,) = server.received
    assert mail.recipients == ["fax@office.example"]
    (pdf,) = [p.get_content() for p in mail.message.iter_attachments()]
    assert pdf_pages(pdf) == 1
    assert ("", "fax_detection", "fax") in path
    assert not any(step[0] in ("sales", "support") for step in path)  # nobody was rung
    assert row["end_reason"] == "fax"


def test_a_caller_talking_or_playing_music_into_the_menu_is_never_taken_for_a_fax():
    import itertools

    import numpy as np

    from bench.corpus import music, prompts

    speech = np.concatenate([m.samples for m in itertools.islice(prompts(), 12)])[: 8000 * 15]
    tune = next(iter(music())).samples[: 8000 * 15]
    assert len(speech) == len(tune) == 8000 * 15, "the recorded speech and music corpus is missing"
    with appliance_at(WEDNESDAY_MORNING, routed_config()) as pbx:
        line = pbx.line(0)
        line.ring("84951112233")
        run_until(pbx, line.is_seized, 12)
        line.say(np.concatenate([speech, tune]), -10)
        run_until(pbx, pbx.phone("101").is_ringing, 40)  # the menu timed out to sales
        with sqlite3.connect(pbx.paths.history_db) as db:
            kinds = [row[0] for row in db.execute("SELECT kind FROM call_steps")]
        line.hang_up()
        pbx.run_for(3)
    assert "fax_detection" not in kinds
