"""The `switchboard` command: the two processes, a launcher for both, and technician tools."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from firmware.paths import DataPaths

DEFAULT_LISTEN = "127.0.0.1:8080"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def main(argv: Sequence[str] | None = None) -> int:
    parser = _build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return 2
    # The services log every event; one-shot tools only say what went wrong.
    logging.basicConfig(level=getattr(args, "log_level", "WARNING"), format=LOG_FORMAT)
    return int(args.handler(args) or 0)


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="switchboard", description="Small-office phone system on a Raspberry Pi hat."
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    engine = commands.add_parser("engine", help="run the call engine (owns the hat)")
    _data_options(engine)
    engine.add_argument(
        "--hal",
        choices=("sim", "hw", "auto"),
        help="simulated or real hat, or auto: the real hat when its EEPROM is found, else the "
        "simulated one (default: $SWITCHBOARD_HAL, else hw on a Raspberry Pi)",
    )
    engine.add_argument(
        "--fast",
        action="store_true",
        help="simulated hat on virtual time, faster than real time (scripted runs)",
    )
    engine.set_defaults(handler=_run_engine)

    web = commands.add_parser("web", help="run the web UI (talks to the engine)")
    _data_options(web)
    web.add_argument("--listen", default=DEFAULT_LISTEN, help="HOST:PORT (default %(default)s)")
    web.set_defaults(handler=_run_web)

    run = commands.add_parser("run", help="run the engine and the web UI together")
    _data_options(run)
    run.add_argument("--listen", default=DEFAULT_LISTEN, help="HOST:PORT (default %(default)s)")
    run.add_argument("--hal", choices=("sim", "hw", "auto"), help="simulated or real hat")
    run.set_defaults(handler=_run_both)

    from firmware.commands import dsp, engine_client, hw, mail, report

    engine_client.add_parsers(commands, _data_options)
    report.add_parser(commands, _data_options)
    hw.add_parser(commands)
    dsp.add_parser(commands)
    mail.add_parser(commands, _data_options)

    config = commands.add_parser("config", help="check and inspect configuration files")
    config_commands = config.add_subparsers(title="config commands", metavar="ACTION")
    check = config_commands.add_parser("check", help="validate a configuration file")
    check.add_argument("file", type=Path)
    check.set_defaults(handler=_config_check)
    template = config_commands.add_parser(
        "template", help="print a configuration file with one of the routing templates"
    )
    from firmware.config.templates import template_names

    template.add_argument("name", choices=template_names())
    template.add_argument("--base", type=Path, help="a configuration file to start from")
    template.set_defaults(handler=_config_template)
    return parser


def _data_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data", type=Path, help="data directory (default: $SWITCHBOARD_DATA or ./var)"
    )
    parser.add_argument("--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING"))


def _run_engine(args: argparse.Namespace) -> int:
    from firmware.engine.process import run_engine_process

    return run_engine_process(DataPaths.resolve(args.data), hal=args.hal, fast=args.fast)


def _run_web(args: argparse.Namespace) -> int:
    """Become the web process: it is a program of its own, never imported from here."""
    from firmware.launcher import web_command

    command = web_command(DataPaths.resolve(args.data), args.listen, args.log_level)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(command[0], command)


def _run_both(args: argparse.Namespace) -> int:
    from firmware.launcher import run_both

    return run_both(DataPaths.resolve(args.data), args.listen, hal=args.hal)


def _config_check(args: argparse.Namespace) -> int:
    from firmware.config import ConfigError
    from firmware.config.document import parse

    try:
        text = args.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        print(f"{args.file}: cannot read: {error}", file=sys.stderr)
        return 2
    from firmware.config.routing_checks import routing_warnings

    try:
        config = parse(text)
    except ConfigError as error:
        for problem in error.errors:
            print(problem, file=sys.stderr)
        print(f"{args.file}: {len(error.errors)} problem(s)", file=sys.stderr)
        return 1
    for warning in routing_warnings(config):
        print(f"warning: {warning}", file=sys.stderr)
    print(f"{args.file}: valid")
    return 0


def _config_template(args: argparse.Namespace) -> int:
    """The base (or default) configuration with its routing replaced by a template."""
    from firmware.config import ConfigError
    from firmware.config.defaults import default_config
    from firmware.config.document import dump, parse, validate
    from firmware.config.templates import load_template

    try:
        base = parse(args.base.read_text(encoding="utf-8")) if args.base else default_config()
        routing = load_template(args.name, country=base.system.country)
        document = base.model_dump(mode="json")
        document["routing"] = routing.model_dump(mode="json")
        print(dump(validate(document)), end="")
    except (OSError, UnicodeDecodeError) as error:
        print(f"{args.base}: cannot read: {error}", file=sys.stderr)
        return 2
    except ConfigError as error:
        for problem in error.errors:
            print(problem, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
