"""Websocket commands against greedy and broken cases: a flood of rebuild-forcing updates costs
others nothing once its client has gone, a rate-capped update waits and then applies the latest,
a subscribe that fails half-way leaves no watcher behind.
"""

from __future__ import annotations

import asyncio
import json

from fastapi.testclient import TestClient

from server.errors import ApiError
from tests.live_server import LiveServer
from tests.server.conftest import create, server_message

FLOODED = {"dataset": {"name": "circle", "n_points": 2000},  # a rebuild costs a good fraction
           "model": {"hidden_units": 256, "depth": 8},          # of a second of the thread
           "training": {"batch_size": 32}}


def rest(server: LiveServer, method: str, path: str, body: dict | None = None) -> dict:
    import urllib.request

    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(server.url + path, data=data, method=method,
                                     headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


async def until(ws, predicate, timeout: float):
    """The first message that satisfies `predicate` within `timeout` seconds (else fail)."""
    async with asyncio.timeout(timeout):
        while True:
            message = server_message(await ws.recv())
            if predicate(message):
                return message


def test_rest_429_says_when_to_retry(client: TestClient) -> None:
    run = create(client)
    scheduler = client.app.state.scheduler

    def capped(run_id: str, patch):
        raise ApiError(429, "too many rebuilds of this run", "config", retry_after=2.2)

    scheduler.op_patch = capped
    response = client.patch(f"/api/runs/{run['id']}", json={"model": {"depth": 2}})
    assert response.status_code == 429
    assert response.headers["retry-after"] == "3"  # whole seconds, never early
    assert response.json() == {"detail": "too many rebuilds of this run"}
    assert "retry-after" not in client.get("/api/runs/no-such-run").headers  # a 404 ApiError
