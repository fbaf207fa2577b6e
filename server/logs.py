"""Keeps run ids out of uvicorn's log lines: a run id is a capability (whoever knows it can steer
and delete the run), so `/api/runs/<id>/...` is logged as `/api/runs/{id}/...`.

Only rewrites the paths in uvicorn's access and websocket records; never drops a record, and
leaves other loggers alone (the app's own modules log ids at DEBUG only).
"""

from __future__ import annotations

import logging
import re
from typing import Any

# Any segment after /api/runs/ except the fixed route `import`: unknown and mistyped ids too.
RUN_PATH = re.compile(r"(/api/runs/)(?!import(?![^/?#\s\"]))[^/?#\s\"]+")
UVICORN_LOGGERS = ("uvicorn.access", "uvicorn.error")  # uvicorn.error carries "WebSocket <path>"


def redact(text: str) -> str:
    """'POST /api/runs/Xy3.../play' -> 'POST /api/runs/{id}/play'."""
    return RUN_PATH.sub(r"\1{id}", text)


def _redact_value(value: Any) -> Any:
    return redact(value) if isinstance(value, str) else value


class RunIdFilter(logging.Filter):
    """Rewrites the message template and its string arguments in place; keeps the arguments'
    shape, since uvicorn's access formatter unpacks them by position."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_value(value) for value in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _redact_value(value) for key, value in record.args.items()}
        return True


def install_run_id_filter() -> None:
    """Add the filter to uvicorn's loggers once per process (create_app may run many times)."""
    for name in UVICORN_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(existing, RunIdFilter) for existing in logger.filters):
            logger.addFilter(RunIdFilter())
