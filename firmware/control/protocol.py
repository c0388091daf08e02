"""Wire format of the control API.

Each message is one JSON object on one line. A request is `{"id": 7, "op": "status", ...}`;
its reply carries the same id: `{"id": 7, "ok": true, "result": ...}` or
`{"id": 7, "ok": false, "error": "invalid_config", "message": "...", "errors": [...]}`.
After a `subscribe` request the engine also pushes `{"event": "port", "data": {...}}` lines
on that connection until it closes.
"""

from __future__ import annotations

import json
from typing import Any

MAX_MESSAGE_BYTES = 4 * 1024 * 1024  # a whole config document fits with room to spare


class ProtocolError(Exception):
    pass


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


def decode(line: bytes) -> dict[str, Any]:
    try:
        message = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ProtocolError(f"not a JSON message: {error}") from None
    if not isinstance(message, dict):
        raise ProtocolError("a message must be a JSON object")
    return message
