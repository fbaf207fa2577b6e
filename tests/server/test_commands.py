"""Websocket commands against greedy and broken cases: a flood of rebuild-forcing updates costs
others nothing once its client has gone, a rate-capped update waits and then applies the latest,
a subscribe that fails half-way leaves no watcher behind.
"""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from server.errors import ApiError
from server.schemas import ErrorMessage, Snapshot
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


def receive(ws):
    return server_message(ws.receive_text())


def until_in_process(ws, predicate, limit: int = 2000):
    """TestClient messages until one satisfies `predicate`; (that message, the ones before)."""
    seen = []
    for _ in range(limit):
        message = receive(ws)
        if predicate(message):
            return message, seen
        seen.append(message)
    raise AssertionError("no such message")


def wait_for(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never held"
        time.sleep(0.01)


def test_a_subscribe_that_fails_half_way_leaves_no_watcher(client: TestClient) -> None:
    """The thread added the slot and then failed: the client is told, the socket closes with
    1011, and the run has no watcher (else it would never idle-pause or expire)."""
    run = create(client)
    scheduler = client.app.state.scheduler
    real = scheduler.op_subscribe

    def half_way(run_id: str, slot) -> None:
        real(run_id, slot)
        raise RuntimeError("something broke after the slot was added")

    scheduler.op_subscribe = half_way
    with client.websocket_connect(f"/api/runs/{run['id']}/stream") as ws:
        error = receive(ws)
        assert isinstance(error, ErrorMessage)
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_text()
        assert closed.value.code == 1011
    entry = scheduler.registry.runs[run["id"]]
    wait_for(lambda: not entry.subscribers)
    del scheduler.op_subscribe
    with client.websocket_connect(f"/api/runs/{run['id']}/stream") as ws:  # and it still works
        assert isinstance(receive(ws), Snapshot)


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
