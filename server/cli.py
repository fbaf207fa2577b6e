"""`nn-playground serve [--host --port --device]`: run the app with one uvicorn worker.

Command-line options override PLAYGROUND_* variables; everything else comes from Settings.
"""

from __future__ import annotations

import argparse
import logging
import sys

import uvicorn

from server.app import create_app
from server.settings import Settings


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


def main(argv: list[str] | None = None) -> None:
    args = parse(sys.argv[1:] if argv is None else argv)
    overrides = {k: v for k in ("host", "port", "device") if (v := getattr(args, k)) is not None}
    settings = Settings(**overrides)
    logging.basicConfig(level=settings.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(settings)
    # No permessage-deflate: compressing ~30 small frames per second per client cost more CPU
    # than everything else the event loop does (measured), and frames are a few KB.
    uvicorn.run(app, host=settings.host, port=settings.port, workers=1,
                log_level=settings.log_level.lower(), ws_max_size=2**20,
                ws_per_message_deflate=False)
