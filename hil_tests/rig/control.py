"""A blocking client of the unit's control API (one JSON object per line on a Unix socket)."""

from __future__ import annotations

import itertools
import json
import socket
from pathlib import Path
from typing import Any

from hil_tests.rig.api import RigError


class ControlConnection:
    def __init__(self, socket_path: Path, timeout_s: float = 120) -> None:
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._socket.settimeout(timeout_s)
        self._socket.connect(str(socket_path))
        self._file = self._socket.makefile("rb")
        self._ids = itertools.count(1)

    def request(self, op: str, **fields: Any) -> Any:
        number = next(self._ids)
        message = json.dumps({"id": number, "op": op, **fields}).encode() + b"\n"
        self._socket.sendall(message)
        while True:
            line = self._file.readline()
            if not line:
                raise RigError(f"the unit closed its control connection during {op}")
            reply = json.loads(line)
            if reply.get("id") == number:
                break
        if not reply.get("ok"):
            raise RigError(f"{op}: {reply.get('error')}: {reply.get('message')}")
        return reply.get("result")

    def close(self) -> None:
        self._file.close()
        self._socket.close()
