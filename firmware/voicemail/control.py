"""The control API's voicemail and call-recording commands, for the web UI's inbox.

`messages_list` lists the ready messages of one kind (one box, or all); `message_update`
marks one heard or unheard; `message_delete` removes one. The audio itself is read by the
web process from the file each listing names (relative to the data directory).
"""

from __future__ import annotations

from typing import Any

from aio import host
from firmware.control.server import ControlServer, RequestError
from firmware.voicemail.index import Kind, Message
from firmware.voicemail.messaging import Messaging


def listed(message: Message) -> dict[str, Any]:
    return {
        **message.as_dict(),
        "kind": message.kind.value,
        "file": message.file,
        "call_id": message.call.call_id,
        "line": message.call.line,
        "path": list(message.call.path),
    }


def _kind(request: dict[str, Any]) -> Kind:
    try:
        return Kind(request.get("kind", Kind.VOICEMAIL.value))
    except ValueError:
        raise RequestError(
            "bad_request", f"kind is one of {', '.join(k.value for k in Kind)}"
        ) from None


def register(server: ControlServer, messaging: Messaging) -> None:
    index = messaging.store.index

    async def find(request: dict[str, Any]) -> Message:
        message_id = request.get("message")
        if not isinstance(message_id, str) or not message_id:
            raise RequestError("bad_request", "the request needs the message's id as 'message'")
        message = await host.to_thread(index.get, message_id)
        if message is None:
            raise RequestError("not_found", f"no message {message_id!r}")
        return message

    async def messages_list(request: dict[str, Any]) -> Any:
        box = request.get("box")
        if box is not None and not isinstance(box, str):
            raise RequestError("bad_request", "box must be a box id")
        messages = await host.to_thread(index.listed, _kind(request), box)
        return [listed(message) for message in messages]

    async def message_update(request: dict[str, Any]) -> Any:
        message = await find(request)
        heard = request.get("heard")
        if not isinstance(heard, bool):
            raise RequestError("bad_request", "heard must be true or false")
        await host.to_thread(index.set_flags, message.id, heard=heard)
        if message.kind is Kind.VOICEMAIL:
            await messaging.voicemail.announce_new_counts()
        return listed(await find(request))

    async def message_delete(request: dict[str, Any]) -> Any:
        message = await find(request)
        if message.kind is Kind.VOICEMAIL:
            await messaging.voicemail.delete(message)
        else:
            await messaging.store.delete(message)
        return {"deleted": message.id}

    server.handle("messages_list", messages_list)
    server.handle("message_update", message_update)
    server.handle("message_delete", message_delete)
