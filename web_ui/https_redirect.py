"""Plain HTTP on port 80 of the appliance: every request is sent on to the HTTPS address.

A browser given `switchboard.local` tries HTTP first; the answer is a permanent redirect to
the same host and path over HTTPS, and nothing of the UI is served unencrypted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

log = logging.getLogger(__name__)

MAX_HEAD_BYTES = 8192
READ_TIMEOUT_S = 10.0


def redirect_location(request_head: bytes, https_port: int, fallback_host: str) -> str:
    """The https:// address for a request (its request line and headers)."""
    lines = request_head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    target = parts[1] if len(parts) >= 2 and parts[1].startswith("/") else "/"
    host = fallback_host
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "host" and value.strip():
            host = value.strip()
            break
    host = _without_port(host)
    if not _plausible_host(host):
        host = fallback_host
    port = "" if https_port == 443 else f":{https_port}"
    return f"https://{host}{port}{target}"


def _without_port(host: str) -> str:
    if host.startswith("["):  # [IPv6]:port
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _plausible_host(host: str) -> bool:
    allowed = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-[]:")
    return bool(host) and len(host) <= 255 and set(host) <= allowed


async def start_redirect_server(
    host: str, port: int, https_port: int, fallback_host: str
) -> asyncio.Server:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), READ_TIMEOUT_S)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, OSError):
            writer.close()
            return
        location = redirect_location(head, https_port, fallback_host)
        body = f"Moved to {location}\n".encode()
        writer.write(
            b"HTTP/1.1 301 Moved Permanently\r\n"
            + f"Location: {location}\r\n".encode()
            + b"Content-Type: text/plain; charset=utf-8\r\n"
            + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        with contextlib.suppress(OSError):
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, host, port, limit=MAX_HEAD_BYTES)
    log.info("web: http://%s:%d/ redirects to HTTPS", host, port)
    return server
