"""`nn-playground serve [--host --port --device]`: run the app with one uvicorn worker.

Command-line options override PLAYGROUND_* variables; everything else comes from Settings.
"""

from __future__ import annotations

import argparse
import logging
import sys

import uvicorn

from server.app import create_app
from server.connections import (
    FILE_RESERVE,
    http_protocol,
    raise_open_file_limit,
    websocket_protocol,
)
from server.settings import Settings

log = logging.getLogger(__name__)


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="nn-playground",
                                     description="See neural networks learn.")
    commands = parser.add_subparsers(dest="command")
    serve = commands.add_parser("serve", help="run the web server (default)")
    for target in (parser, serve):
        target.add_argument("--host", help="address to listen on (PLAYGROUND_HOST)")
        target.add_argument("--port", type=int, help="port (PLAYGROUND_PORT)")
        target.add_argument("--device", choices=("auto", "cpu", "cuda"),
                            help="where to train (PLAYGROUND_DEVICE)")
    return parser.parse_args(argv)


def open_files(settings: Settings) -> None:
    """Raise the open-file limit so that max_connections can be reached, and say what we got."""
    wanted = settings.max_connections + FILE_RESERVE
    soft, hard = raise_open_file_limit(wanted)
    if 0 <= soft < wanted:
        log.warning("open-file limit %d (hard %d) is below the %d that max_connections = %d "
                    "needs: clients beyond it are refused", soft, hard, wanted,
                    settings.max_connections)
    elif soft >= 0:
        log.info("open-file limit %d (hard %d) for max_connections = %d", soft, hard,
                 settings.max_connections)


def main(argv: list[str] | None = None) -> None:
    args = parse(sys.argv[1:] if argv is None else argv)
    overrides = {k: v for k in ("host", "port", "device") if (v := getattr(args, k)) is not None}
    settings = Settings(**overrides)
    logging.basicConfig(level=settings.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    open_files(settings)
    app = create_app(settings)
    # No permessage-deflate: compressing ~30 small frames per second per client cost more CPU
    # than everything else the event loop does (measured), and frames are a few KB.
    # The protocols are uvicorn's own plus a header deadline and an abort for peers that stop
    # reading; limit_concurrency answers 503 beyond max_connections instead of running out of
    # descriptors; the graceful shutdown is bounded so a long REST train cannot hold SIGTERM.
    uvicorn.run(app, host=settings.host, port=settings.port, workers=1,
                log_level=settings.log_level.lower(), ws_max_size=2**20,
                ws_per_message_deflate=False,
                http=http_protocol(settings.header_timeout, settings.send_timeout),
                ws=websocket_protocol(settings.send_timeout),
                timeout_keep_alive=settings.keep_alive_timeout,
                limit_concurrency=settings.max_connections,
                timeout_graceful_shutdown=settings.shutdown_timeout)
