"""Dependencies shared by routes: the scheduler (the only door to the engine) and the settings."""

from __future__ import annotations

from starlette.requests import HTTPConnection

from server.scheduler import Scheduler


def get_scheduler(connection: HTTPConnection) -> Scheduler:
    return connection.app.state.scheduler
