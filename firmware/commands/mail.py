"""`switchboard mail status` and `switchboard mail test ADDRESS`: the running engine's outbox."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import datetime
from typing import Any

from firmware.control.client import ControlClient, ControlError, EngineUnavailable
from firmware.paths import DataPaths

TEST_WAIT_S = 30.0


def add_parser(subparsers: Any, data_options: Any) -> None:
    mail = subparsers.add_parser("mail", help="the outgoing mail of the running engine")
    actions = mail.add_subparsers(title="mail commands", metavar="ACTION")
    status = actions.add_parser("status", help="mails waiting, sent and failed, newest first")
    data_options(status)
    status.add_argument("--limit", type=int, default=20, help="how many mails to list")
    status.add_argument("--json", action="store_true", help="print JSON instead of a table")
    status.set_defaults(handler=status_command)
    test = actions.add_parser("test", help="send a test mail and say how it went")
    data_options(test)
    test.add_argument("address", help="where to send it")
    test.set_defaults(handler=test_command)


def _request(args: argparse.Namespace, op: str, **arguments: Any) -> Any:
    async def send() -> Any:
        async with ControlClient(DataPaths.resolve(args.data).control_socket) as client:
            return await client.request(op, **arguments)

    return asyncio.run(send())


def _time(epoch: float | None) -> str:
    return "" if epoch is None else datetime.fromtimestamp(epoch).strftime("%Y-%m-%d %H:%M:%S")


def status_command(args: argparse.Namespace) -> int:
    try:
        status = _request(args, "mail_status", limit=args.limit)
    except (EngineUnavailable, ControlError) as error:
        print(f"switchboard: {error}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(status, indent=2, ensure_ascii=False))
        return 0
    counts = status["counts"]
    server = status["server"] or "no server configured"
    print(
        f"mail via {server}: {counts['queued']} queued, {counts['sending']} sending, "
        f"{counts['failed']} failed (to retry), {counts['sent']} sent"
    )
    for mail in status["mails"]:
        when = _time(mail["sent_at"]) if mail["state"] == "sent" else _time(mail["next_attempt_at"])
        label = "sent" if mail["state"] == "sent" else "next try"
        print(
            f"{mail['id']:>5}  {mail['state']:7}  {mail['kind']:11}  {label} {when}  "
            f"attempts {mail['attempts']}  {mail['subject']}"
        )
        if mail["last_error"]:
            print(f"       last error: {mail['last_error']}")
    return 0


def test_command(args: argparse.Namespace) -> int:
    try:
        mail = _request(args, "mail_test", address=args.address, wait_s=TEST_WAIT_S)
    except (EngineUnavailable, ControlError) as error:
        print(f"switchboard: {error}", file=sys.stderr)
        return 1
    if mail["state"] == "sent":
        print(f"sent to {args.address} ({mail['message_id']})")
        return 0
    if mail["state"] == "failed":
        print(f"not sent: {mail['last_error']}", file=sys.stderr)
        print("the mail stays in the outbox and is retried; see `switchboard mail status`")
        return 1
    print(f"queued as mail {mail['id']}; still {mail['state']} after {TEST_WAIT_S:g} s")
    return 1
