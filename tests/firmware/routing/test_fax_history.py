"""A received fax is kept in the call history: sender, pages, speed, result, mailed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bench.fax_pages import write_tiff
from bench.spandsp import load_library
from bench.spandsp_fax import SpandspFaxSender
from firmware.mail.fax import FaxInbox
from tests.firmware.routing.conftest import Rig, config_with, run, scenario
from tests.firmware.routing.fax_caller import fax_machine
from tests.firmware.routing.test_fax_reception import RecordingOutbox

pytestmark = pytest.mark.skipif(load_library() is None, reason="libspandsp2 is not installed")


def test_a_received_fax_is_in_the_history_with_its_pages_speed_and_result(tmp_path: Path) -> None:
    write_tiff(tmp_path / "source.tif", 1)
    sender = SpandspFaxSender(str(tmp_path / "source.tif"), ident="+7 495 111 2233")
    history = tmp_path / "history.sqlite3"
    outbox = RecordingOutbox()
    config = config_with(scenario({"first": {"type": "fax", "email": ["office@example.com"]}}))

    async def main() -> None:
        rig = Rig(config, history_db=history)
        rig.runner.services.fax_inbox = FaxInbox(outbox, lambda: [])  # type: ignore[arg-type]
        await rig.inbound(caller_number="84951112233", line_audio=fax_machine(sender))

    run(main())
    sender.close()
    with sqlite3.connect(history) as db:
        db.row_factory = sqlite3.Row
        (fax,) = [dict(row) for row in db.execute("SELECT * FROM faxes")]
    assert (fax["remote_ident"], fax["pages"], fax["result"]) == ("+7 495 111 2233", 1, "ok")
    assert (fax["modem"], fax["bit_rate"], fax["mailed"]) == ("V.29", 9600, 1)
    assert fax["duration_s"] > 5


def test_a_fax_reception_set_to_tiff_mails_a_multipage_tiff(tmp_path: Path) -> None:
    import io

    from PIL import Image

    write_tiff(tmp_path / "source.tif", 2)
    sender = SpandspFaxSender(str(tmp_path / "source.tif"), ident="+7 495 111 2233")
    outbox = RecordingOutbox()
    step = {"type": "fax", "email": ["office@example.com"], "attach_as": "tiff"}
    config = config_with(scenario({"first": step}))

    async def main() -> None:
        rig = Rig(config)
        rig.runner.services.fax_inbox = FaxInbox(outbox, lambda: [])  # type: ignore[arg-type]
        await rig.inbound(caller_number="84951112233", line_audio=fax_machine(sender))

    run(main())
    sender.close()
    (mail,) = outbox.mails
    (attachment,) = mail.attachments
    assert attachment.filename.endswith(".tif")
    with Image.open(io.BytesIO(attachment.data)) as pages:
        assert pages.n_frames == 2
