import asyncio
import signal

from firmware.config import ConfigStore
from firmware.control.client import ControlClient, ControlError
from tests.firmware.processes.running import control_socket, start_engine


def request(data_dir, op, **arguments):
    async def send():
        async with ControlClient(control_socket(data_dir)) as client:
            return await client.request(op, **arguments)

    return asyncio.run(send())


def test_engine_reports_every_port_of_the_simulated_hat_and_stops_cleanly(tmp_path):
    data = tmp_path / "data"
    engine = start_engine(data)
    try:
        status = request(data, "status")
    finally:
        code = engine.stop(signal.SIGTERM)
    kinds = [
        (port["index"], port["kind"], port["state"], port["health"]) for port in status["ports"]
    ]
    assert kinds == [
        (0, "fxs", "idle", "ok"),
        (1, "fxs", "idle", "ok"),
        (2, "fxs", "idle", "ok"),
        (3, "fxs", "idle", "ok"),
        (4, "fxo", "idle", "ok"),
        (5, "fxo", "idle", "ok"),
    ]
    assert code == 0
    assert "Traceback" not in engine.output
    assert "engine: stopped" in engine.output


def test_invalid_put_config_answers_field_errors_and_keeps_the_running_config(tmp_path):
    data = tmp_path / "data"
    engine = start_engine(data)
    try:
        good = request(data, "get_config")
        bad = {**good, "employees": [{**good["employees"][0], "extension": "1x"}]}
        bad["system"] = {**good["system"], "country": "ZZ"}
        try:
            request(data, "put_config", config=bad)
        except ControlError as refused:
            errors = refused.details["errors"]
            code = refused.code
        else:
            raise AssertionError("an invalid configuration was accepted")
        running = request(data, "get_config")
    finally:
        engine.stop()
    assert code == "invalid_config"
    assert errors == [
        {
            "path": "system.country",
            "reason": "no country profile for 'ZZ'; known: DE, GB, RU, UA, US",
        },
        {"path": "employees[0].extension", "reason": "'1x' must be 2 to 6 digits, e.g. 101"},
    ]
    assert running == good
    assert ConfigStore(data / "config").load().model_dump(mode="json") == good


def test_valid_put_config_is_saved_and_applied(tmp_path):
    data = tmp_path / "data"
    engine = start_engine(data)
    try:
        document = request(data, "get_config")
        document["system"]["name"] = "Front office"
        request(data, "put_config", config=document)
        status = request(data, "status")
    finally:
        engine.stop()
    assert status["system"]["name"] == "Front office"
    assert ConfigStore(data / "config").load().system.name == "Front office"
