"""`switchboard status` and `switchboard sim ...`: talk to a running engine."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from firmware.control.client import ControlClient, ControlError, EngineUnavailable
from firmware.paths import DataPaths


def add_parsers(subparsers: Any, data_options: Any) -> None:
    status = subparsers.add_parser("status", help="show the ports of the running engine")
    data_options(status)
    status.add_argument("--json", action="store_true", help="print JSON instead of a table")
    status.set_defaults(handler=status_command)

    sim = subparsers.add_parser(
        "sim", help="operate the simulated phones and lines of a running simulated appliance"
    )
    devices = sim.add_subparsers(title="devices", metavar="DEVICE")
    phone = devices.add_parser("phone", help="a virtual phone on an FXS port")
    data_options(phone)
    phone.add_argument("port", type=int)
    phone.add_argument(
        "action", choices=("off_hook", "on_hook", "flash", "dial", "dial_pulse", "say", "silence")
    )
    phone.add_argument("digits", nargs="?", default="", help="digits for dial / dial_pulse")
    phone.add_argument("--hz", type=float, default=1000.0, help="tone for say")
    phone.set_defaults(handler=sim_command, op="sim_phone")
    line = devices.add_parser("line", help="the virtual exchange on an FXO port")
    data_options(line)
    line.add_argument("port", type=int)
    line.add_argument("action", choices=("ring", "hang_up", "answer", "press"))
    line.add_argument("digits", nargs="?", default="", help="keys the caller presses (press)")
    line.add_argument("--number", help="caller ID number for ring")
    line.add_argument("--name", help="caller ID name for ring")
    line.add_argument("--standard", default="bell202", choices=("bell202", "etsi_fsk", "dtmf"))
    line.add_argument("--method", default="loop", choices=("loop", "polarity", "busy"))
    line.set_defaults(handler=sim_command, op="sim_line")


def _request(args: argparse.Namespace, op: str, **arguments: Any) -> Any:
    async def send() -> Any:
        async with ControlClient(DataPaths.resolve(args.data).control_socket) as client:
            return await client.request(op, **arguments)

    return asyncio.run(send())


def status_command(args: argparse.Namespace) -> int:
    try:
        status = _request(args, "status")
    except (EngineUnavailable, ControlError) as error:
        print(f"switchboard: {error}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(status, indent=2))
        return 0
    print(f"{status['system']['name']} ({status['system']['country']})")
    hat = status.get("hat", {})
    if "hal" in hat:
        print(f"hat: {'simulated' if hat['simulated'] else 'real'} ({hat['hal_reason']})")
    print(f"{'port':>4}  {'type':4}  {'state':9}  {'with':14}  {'health':7}  label")
    for port in status["ports"]:
        health = port["health"] + (f": {port['reason']}" if port["reason"] else "")
        print(
            f"{port['index']:>4}  {port['kind'].upper():4}  {port['state']:9}  "
            f"{port.get('peer') or '':14}  {health:7}  {port['label']}"
        )
        if port.get("echo"):  # the line's last call: a low ERL means a badly matched line
            echo = port["echo"]
            print(
                f"{'':6}echo: ERL {echo['erl_db']:.1f} dB, canceller ERLE {echo['erle_db']:.1f} dB"
            )
    return 0


def sim_command(args: argparse.Namespace) -> int:
    arguments = {key: value for key, value in vars(args).items() if value is not None}
    for internal in ("handler", "op", "data", "log_level"):
        arguments.pop(internal, None)
    try:
        result = _request(args, args.op, **arguments)
    except (EngineUnavailable, ControlError) as error:
        print(f"switchboard: {error}", file=sys.stderr)
        return 1
    print(json.dumps(result))
    return 0
