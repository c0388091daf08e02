"""Power-cut safety of configuration saves: SIGKILL the engine in the middle of saving."""

import asyncio
import json
import random

from firmware.config import ConfigStore
from firmware.control.client import ControlClient
from firmware.control.protocol import encode
from tests.firmware.processes.running import control_socket, start_engine

SAVES = 200
SAVES_BETWEEN_KILLS = (5, 30)


def named(document, number):
    copy = json.loads(json.dumps(document))
    copy["system"]["name"] = f"Office {number}"
    return copy


async def save_until_killed(data_dir, document, first, count, kill, rng):
    """Send `count` saves; acknowledge each but the last, which is killed mid-flight."""
    acknowledged = None
    async with ControlClient(control_socket(data_dir)) as client:
        for number in range(first, first + count - 1):
            await client.request("put_config", config=named(document, number))
            acknowledged = number
        # The last save is sent raw, and the engine is killed a random moment later.
        writer = client._writer
        writer.write(
            encode({"id": 0, "op": "put_config", "config": named(document, first + count - 1)})
        )
        await writer.drain()
        await asyncio.sleep(rng.uniform(0, 0.02))
        kill()
    return acknowledged, first + count - 1


def test_config_survives_sigkill_at_random_moments_during_200_saves(tmp_path):
    data = tmp_path / "data"
    rng = random.Random(20261124)
    engine = start_engine(data, fast=True)
    try:
        document = ConfigStore(data / "config").load().model_dump(mode="json")
        saved = 0
        kills = 0
        previous_name = document["system"]["name"]
        while saved < SAVES:
            count = min(rng.randint(*SAVES_BETWEEN_KILLS), SAVES - saved)
            acknowledged, in_flight = asyncio.run(
                save_until_killed(data, document, saved, count, engine.kill, rng)
            )
            kills += 1
            saved += count
            loaded = ConfigStore(data / "config").load()  # must load, whatever the moment
            old_name = f"Office {acknowledged}" if acknowledged is not None else previous_name
            assert loaded.system.name in (old_name, f"Office {in_flight}")
            expected = named(document, 0)
            expected["system"]["name"] = loaded.system.name
            assert loaded.model_dump(mode="json") == expected
            previous_name = loaded.system.name
            engine = start_engine(data, fast=True)
    finally:
        engine.kill()
    assert kills >= SAVES // SAVES_BETWEEN_KILLS[1]
