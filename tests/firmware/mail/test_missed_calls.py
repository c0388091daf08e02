"""Missed-call notices from call centres to their supervisors, read from a real server."""

from __future__ import annotations

from pathlib import Path

import aio
from aio import host
from firmware.config import Config
from firmware.mail.notices import MemberRung, MissedCall
from tests.firmware.mail.smtp_server import SmtpServer
from tests.firmware.voicemail.rig import EPOCH, messaging, office_config

HOUR_S = 3600.0


def _config(port: int) -> Config:
    document = office_config(port).model_dump()
    document["email"]["missed_calls"] = [
        {"call_centre": "Продажи", "recipients": ["boss@office.example"]},
        {"call_centre": "Support", "recipients": ["lead@office.example"], "daily_digest": True,
         "digest_hour": 18},
        {"call_centre": "Quiet", "enabled": False, "recipients": ["x@office.example"]},
    ]  # fmt: skip
    return Config.model_validate(document)


def _missed(centre: str, number: str, at: float) -> MissedCall:
    return MissedCall(
        call_centre=centre,
        caller_number=number,
        caller_name="",
        started_at=at,
        waited_s=47.4,
        rung=(
            MemberRung("101 Иван Петров", 20.0, "no_answer"),
            MemberRung("102 Anna", 20.0, "busy"),
        ),
    )


def test_a_missed_call_mails_who_called_how_long_they_waited_and_who_was_rung(
    tmp_path: Path,
) -> None:
    with SmtpServer() as server:

        async def main() -> None:
            services = messaging(tmp_path, _config(server.port))
            await services.start()
            await services.missed_calls.missed(_missed("Продажи", "84951234567", aio.wall_time()))
            await services.missed_calls.missed(_missed("Quiet", "84951234568", aio.wall_time()))
            await aio.sleep(60)
            await services.stop()

        host.run(main(), virtual=True, wall_epoch=EPOCH)

    (received,) = server.received
    assert received.recipients == ["boss@office.example"]
    message = received.message
    assert message["Subject"] == "Пропущенный звонок от 8 (495) 123-45-67 в «Продажи», ждал 47 с"
    body = message.get_body(("plain",))
    assert body is not None
    assert body.get_content().splitlines()[2:6] == [
        "Ожидание: 47 с",
        "Вызывались:",
        "  101 Иван Петров: 20 с (no_answer)",
        "  102 Anna: 20 с (busy)",
    ]


def test_a_daily_digest_collects_the_days_missed_calls_and_survives_a_restart(
    tmp_path: Path,
) -> None:
    with SmtpServer() as server:
        config = _config(server.port)

        async def morning() -> None:  # 13:00 Moscow
            services = messaging(tmp_path, config)
            await services.start()
            await services.missed_calls.missed(_missed("Support", "84950000001", aio.wall_time()))
            await aio.sleep(HOUR_S)
            await services.missed_calls.missed(_missed("Support", "84950000002", aio.wall_time()))
            await aio.sleep(60)
            await services.stop()

        async def evening() -> None:  # 17:00 Moscow: the digest goes at 18:00
            services = messaging(tmp_path, config)
            await services.start()
            await aio.sleep(HOUR_S - 60)
            assert server.received == []
            await aio.sleep(2 * 300)
            await services.stop()

        host.run(morning(), virtual=True, wall_epoch=EPOCH)
        assert server.received == [], "a digest, not one mail per call"
        host.run(evening(), virtual=True, wall_epoch=EPOCH + 4 * HOUR_S)

    (received,) = server.received
    assert received.recipients == ["lead@office.example"]
    assert received.message["Subject"] == "Пропущенные звонки в «Support» за 03.12.2025: 2"
    body = received.message.get_body(("plain",))
    assert body is not None
    assert "8 (495) 000-00-01" in body.get_content() and "8 (495) 000-00-02" in body.get_content()
