"""The web process (`python -m web_ui`): serve the web UI with uvicorn until SIGTERM or Ctrl-C.

The launcher (`switchboard run`) and `switchboard web` start it as its own program, so the
engine's side never imports the web UI.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import uvicorn

from firmware.paths import DataPaths
from web_ui.app import create_app

log = logging.getLogger(__name__)

DEFAULT_LISTEN = "127.0.0.1:8080"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def run_web_process(paths: DataPaths, listen: str) -> int:
    host, _, port = listen.rpartition(":")
    if not host or not port.isdigit():
        log.error("web: --listen must be HOST:PORT, got %r", listen)
        return 2
    app = create_app(paths)
    log.info("web: serving on http://%s:%s/ (engine socket %s)", host, port, paths.control_socket)
    uvicorn.run(app, host=host, port=int(port), log_level="warning", access_log=False)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m web_ui", description="The Switchboard web UI (talks to the engine)."
    )
    parser.add_argument(
        "--data", type=Path, help="data directory (default: $SWITCHBOARD_DATA or ./var)"
    )
    parser.add_argument("--listen", default=DEFAULT_LISTEN, help="HOST:PORT (default %(default)s)")
    parser.add_argument("--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level, format=LOG_FORMAT)
    return run_web_process(DataPaths.resolve(args.data), args.listen)


if __name__ == "__main__":
    sys.exit(main())
