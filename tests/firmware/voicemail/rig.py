"""A configured office for the voicemail tests: boxes, employees, and mail to a local server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

import aio
from firmware.config import Config
from firmware.voicemail.audio_store import Recording
from firmware.voicemail.messaging import Messaging
from tests.firmware.voicemail.audio import frames

EPOCH = 1_764_756_000.0  # 2025-12-03 10:00:00 UTC, 13:00 in Moscow
FRAME_S = 0.02


def office_config(smtp_port: int, **voicemail: Any) -> Config:
    return Config.model_validate(
        {
            "system": {"name": "Офис", "country": "RU", "timezone": "Europe/Moscow",
                       "language": "ru"},
            "hat": {"ports": [{"kind": "fxs", "port": 0}, {"kind": "fxs", "port": 1}]},
            "employees": [
                {"extension": "101", "name": "Иван Петров", "email": "ivan@office.example",
                 "fxs_ports": [0]},
                {"extension": "102", "name": "Anna", "fxs_ports": [1]},
            ],
            "email": {"host": "127.0.0.1", "port": smtp_port, "security": "none",
                      "from_address": "pbx@office.example", "from_name": "АТС"},
            "voicemail": {
                "boxes": [
                    {"id": "101", "owner": "101", "pin": "4321"},
                    {"id": "sales", "name": "Продажи", "recipients": ["sales@office.example"]},
                ],
                **voicemail,
            },
        }
    )  # fmt: skip


async def speak_into(recording: Recording, audio: np.ndarray) -> None:
    """Feed the recorder the way the media clock does: a frame every 20 ms."""
    for frame in frames(audio):
        if not recording.recorder.feed(frame):
            break
        await aio.sleep(FRAME_S)


def messaging(root: Path, config: Config, **options: Any) -> Messaging:
    return Messaging(root, config, **options)
