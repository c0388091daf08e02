"""The web process (`python -m web_ui`): serve the web UI with uvicorn until SIGTERM or Ctrl-C.

The launcher (`switchboard run`) and `switchboard web` start it as its own program, so the
engine's side never imports the web UI.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import ssl
import sys
from collections.abc import Sequence
from pathlib import Path

import uvicorn

from firmware.paths import DataPaths
from web_ui.app import create_app
from web_ui.https_redirect import start_redirect_server

log = logging.getLogger(__name__)

DEFAULT_LISTEN = "127.0.0.1:8080"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def run_web_process(
    paths: DataPaths,
    listen: str,
    *,
    tls_cert: Path | None = None,
    tls_key: Path | None = None,
    redirect_http: str | None = None,
) -> int:
    """Serve on `listen`: HTTPS with `tls_cert`/`tls_key` (and plain HTTP on `redirect_http`
    sending every request there), else plain HTTP."""
    host, _, port = listen.rpartition(":")
    if not host or not port.isdigit():
        log.error("web: --listen must be HOST:PORT, got %r", listen)
        return 2
    if (tls_cert is None) != (tls_key is None):
        log.error("web: --tls-cert and --tls-key go together")
        return 2
    redirect_host, _, redirect_port = (redirect_http or "").rpartition(":")
    if redirect_http is not None and (tls_cert is None or not redirect_port.isdigit()):
        log.error("web: --redirect-http HOST:PORT needs HTTPS (--tls-cert and --tls-key)")
        return 2
    if tls_cert is not None and tls_key is not None:
        problem = _tls_problem(tls_cert, tls_key)
        if problem:
            log.error("web: cannot serve HTTPS: %s", problem)
            return 1
    app = create_app(paths)
    scheme = "https" if tls_cert else "http"
    log.info(
        "web: serving on %s://%s:%s/ (engine socket %s)", scheme, host, port, paths.control_socket
    )
    config = uvicorn.Config(
        app,
        host=host,
        port=int(port),
        log_level="warning",
        access_log=False,
        ssl_certfile=tls_cert,
        ssl_keyfile=tls_key,
    )
    server = uvicorn.Server(config)
    if redirect_http is None:
        server.run()
        return 0

    async def serve_with_redirect() -> int:
        try:
            redirect = await start_redirect_server(
                redirect_host, int(redirect_port), int(port), "switchboard.local"
            )
        except OSError as error:
            log.error("web: cannot listen on %s for the HTTPS redirect: %s", redirect_http, error)
            return 1
        try:
            await server.serve()
        finally:
            redirect.close()
            await redirect.wait_closed()
        return 0

    return asyncio.run(serve_with_redirect())


def _tls_problem(certificate: Path, key: Path) -> str | None:
    """Why the certificate and key cannot serve, or None (checked before binding a port)."""
    for path in (certificate, key):
        if not path.is_file():
            return f"{path} does not exist"
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(certificate, key)
    except (ssl.SSLError, OSError) as error:
        return f"{certificate} with {key}: {error}"
    return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m web_ui", description="The Switchboard web UI (talks to the engine)."
    )
    parser.add_argument(
        "--data", type=Path, help="data directory (default: $SWITCHBOARD_DATA or ./var)"
    )
    parser.add_argument("--listen", default=DEFAULT_LISTEN, help="HOST:PORT (default %(default)s)")
    parser.add_argument("--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING"))
    parser.add_argument("--tls-cert", type=Path, help="serve HTTPS with this certificate (PEM)")
    parser.add_argument("--tls-key", type=Path, help="the certificate's private key (PEM)")
    parser.add_argument(
        "--redirect-http", metavar="HOST:PORT", help="plain HTTP here redirects to the HTTPS UI"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level, format=LOG_FORMAT)
    return run_web_process(
        DataPaths.resolve(args.data),
        args.listen,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
        redirect_http=args.redirect_http,
    )


if __name__ == "__main__":
    sys.exit(main())
