import asyncio

import pytest

from firmware.control.client import ControlClient, ControlError, EngineUnavailable
from firmware.control.server import ControlServer, RequestError


def serve(tmp_path, scenario):
    async def main():
        server = ControlServer(tmp_path / "control.sock")
        settings = {"name": "Office"}

        async def get_settings(_request):
            return settings

        async def put_settings(request):
            if not request.get("name"):
                raise RequestError(
                    "invalid_config", "1 problem", errors=[{"path": "name", "reason": "required"}]
                )
            settings["name"] = request["name"]
            return settings

        async def explode(_request):
            raise RuntimeError("bug")

        server.handle("get", get_settings)
        server.handle("put", put_settings)
        server.handle("explode", explode)
        await server.start()
        try:
            return await scenario(server)
        finally:
            await server.stop()

    return asyncio.run(main())


def test_requests_are_answered_and_refusals_carry_field_errors(tmp_path):
    async def scenario(_server):
        async with ControlClient(tmp_path / "control.sock") as client:
            assert await client.request("get") == {"name": "Office"}
            with pytest.raises(ControlError) as refused:
                await client.request("put", name="")
            assert refused.value.code == "invalid_config"
            assert refused.value.details["errors"] == [{"path": "name", "reason": "required"}]
            assert await client.request("get") == {"name": "Office"}
            assert await client.request("put", name="Warehouse") == {"name": "Warehouse"}

    serve(tmp_path, scenario)


def test_a_failing_handler_or_unknown_operation_does_not_break_the_connection(tmp_path):
    async def scenario(_server):
        async with ControlClient(tmp_path / "control.sock") as client:
            with pytest.raises(ControlError) as failed:
                await client.request("explode")
            assert failed.value.code == "internal"
            with pytest.raises(ControlError) as unknown:
                await client.request("reboot")
            assert "known: explode, get, put, subscribe" in str(unknown.value)
            assert await client.request("get") == {"name": "Office"}

    serve(tmp_path, scenario)


def test_subscribers_receive_published_events_in_order(tmp_path):
    async def scenario(server):
        async with ControlClient(tmp_path / "control.sock") as client:
            stream = client.events()
            first = asyncio.ensure_future(stream.__anext__())
            while not server.subscriber_count:
                await asyncio.sleep(0)
            server.publish("port", {"index": 0, "state": "off_hook"})
            server.publish("port", {"index": 0, "state": "idle"})
            received = [await first, await stream.__anext__()]
            await stream.aclose()
            return received

    received = serve(tmp_path, scenario)
    assert [message["data"]["state"] for message in received] == ["off_hook", "idle"]


def test_a_client_without_an_engine_gets_a_clear_error(tmp_path):
    async def main():
        with pytest.raises(EngineUnavailable, match="the engine is not running"):
            await ControlClient(tmp_path / "missing.sock").connect()

    asyncio.run(main())
