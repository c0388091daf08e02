"""`switchboard web`: serve the web UI with uvicorn until SIGTERM or Ctrl-C."""

from __future__ import annotations

import logging

import uvicorn

from firmware.paths import DataPaths
from web_ui.app import create_app

log = logging.getLogger(__name__)


def run_web_process(paths: DataPaths, listen: str) -> int:
    host, _, port = listen.rpartition(":")
    if not host or not port.isdigit():
        log.error("web: --listen must be HOST:PORT, got %r", listen)
        return 2
    app = create_app(paths.control_socket, paths.history_db)
    log.info("web: serving on http://%s:%s/ (engine socket %s)", host, port, paths.control_socket)
    uvicorn.run(app, host=host, port=int(port), log_level="warning", access_log=False)
    return 0
