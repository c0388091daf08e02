"""Asking a CRM which manager looks after a caller: one HTTP request with the caller's
number, a JSON reply with an extension. Any failure (timeout, refused connection, an error
status, a reply that is not JSON or has no extension) is simply "not found"; the whole
question never takes longer than the hook's timeout, and the event loop never waits on it.
"""

from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.parse
import urllib.request

from aio import host
from firmware.config.routing import CrmHook

log = logging.getLogger(__name__)
MAX_REPLY_BYTES = 64 * 1024


async def ask_crm(hook: CrmHook, number: str) -> str:
    """The extension the CRM names for `number`, or "" when it names none in time."""
    return await host.to_thread(_ask_within_timeout, hook, number)


def _ask_within_timeout(hook: CrmHook, number: str) -> str:
    answer: list[str] = []
    worker = threading.Thread(
        target=lambda: answer.append(_request(hook, number)), daemon=True, name="crm-hook"
    )
    worker.start()
    worker.join(hook.timeout_s)
    if not answer:
        log.warning("crm: no reply from %s within %.1f s", hook.url, hook.timeout_s)
        return ""
    return answer[0]


def _request(hook: CrmHook, number: str) -> str:
    quoted = urllib.parse.quote(number)
    if "{number}" in hook.url:
        url = hook.url.replace("{number}", quoted)
    elif hook.method == "GET":
        url = f"{hook.url}{'&' if '?' in hook.url else '?'}number={quoted}"
    else:
        url = hook.url
    body = json.dumps({"number": number}).encode() if hook.method == "POST" else None
    request = urllib.request.Request(url, data=body, method=hook.method)
    request.add_header("Accept", "application/json")
    if body is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=hook.timeout_s) as response:
            reply = json.loads(response.read(MAX_REPLY_BYTES))
    except (OSError, ValueError, urllib.error.URLError) as error:
        log.warning("crm: %s failed: %s", hook.url, error)
        return ""
    value = reply.get(hook.reply_field) if isinstance(reply, dict) else None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.isdigit():
        log.warning("crm: %s replied without an extension in %r", hook.url, hook.reply_field)
        return ""
    return value
