"""Websocket commands against greedy and broken cases: a flood of rebuild-forcing updates costs
others nothing once its client has gone, a rate-capped update waits and then applies the latest,
a subscribe that fails half-way leaves no watcher behind.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request

import pytest
import websockets
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from server.errors import ApiError
from server.schemas import ErrorMessage, Snapshot
from tests.live_server import LiveServer, live_server
from tests.server.conftest import create, server_message

FLOODED = {"dataset": {"name": "circle", "n_points": 2000},  # a rebuild costs a good fraction
           "model": {"hidden_units": 256, "depth": 8},          # of a second of the thread
           "training": {"batch_size": 32}}


def rest(server: LiveServer, method: str, path: str, body: dict | None = None) -> dict:
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


@pytest.mark.slow
def test_a_flood_of_rebuilds_stops_when_its_client_goes() -> None:
    """Hundreds of rebuild-forcing updates sent as fast as possible, then the client leaves:
    what it queued is dropped, so another client's pause acts at once and the run stays put."""
    with live_server(env={"PLAYGROUND_DEVICE": "cpu"}) as server:
        flooded = rest(server, "POST", "/api/runs", FLOODED)
        victim = rest(server, "POST", "/api/runs", {})
        url = f"{server.ws_url}/api/runs/{{}}/stream"

        async def scenario() -> None:
            async with websockets.connect(url.format(victim["id"])) as other:
                await until(other, lambda m: m.type == "snapshot", 10)
                await other.send('{"type": "play"}')
                await until(other, lambda m: m.run.status == "running", 10)
                greedy = await websockets.connect(url.format(flooded["id"]))
                for seed in range(300):  # every one a new dataset: a rebuild each
                    update = {"type": "update", "config": {"dataset": {"seed": seed}}}
                    await greedy.send(json.dumps(update))
                # A browser's close: the close frame goes out behind the flood, and the client
                # is done; the handshake's answer may take until its close timeout.
                closing = asyncio.create_task(greedy.close())
                await asyncio.sleep(2.0)  # "within a couple of seconds"
                seeds = [rest(server, "GET", f"/api/runs/{flooded['id']}")["config"]["dataset"]
                         ["seed"]]
                started = time.monotonic()
                await other.send('{"type": "pause"}')
                await until(other, lambda m: m.run.status == "paused", 10)
                took = time.monotonic() - started
                await asyncio.sleep(1.0)
                seeds.append(rest(server, "GET", f"/api/runs/{flooded['id']}")["config"]
                             ["dataset"]["seed"])
                await closing
                assert seeds[0] == seeds[1], f"updates still applied after the client left: {seeds}"
                assert took < 1.0, f"a pause took {took:.1f} s after the flood had gone"

        asyncio.run(scenario())


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
    training = client.app.state.training
    real = training.watching.subscribe

    def half_way(run_id: str, slot) -> None:
        real(run_id, slot)
        raise RuntimeError("something broke after the slot was added")

    training.watching.subscribe = half_way
    with client.websocket_connect(f"/api/runs/{run['id']}/stream") as ws:
        error = receive(ws)
        assert isinstance(error, ErrorMessage)
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_text()
        assert closed.value.code == 1011
    entry = training.registry.runs[run["id"]]
    wait_for(lambda: not entry.watch.slots)
    del training.watching.subscribe
    with client.websocket_connect(f"/api/runs/{run['id']}/stream") as ws:  # and it still works
        assert isinstance(receive(ws), Snapshot)


def test_a_rate_capped_update_waits_and_then_applies_the_latest(client: TestClient) -> None:
    """The patch refuses the first update for 0.5 s (429 with retry_after); a second update comes
    meanwhile. No error reaches the client, and one merged update goes in: newer fields win,
    older ones stay."""
    run = create(client)
    training = client.app.state.training
    real, calls = training.runs.patch, []

    def capped(run_id: str, patch):
        calls.append(patch.model_dump(exclude_unset=True))
        if len(calls) == 1:
            raise ApiError(429, "too many rebuilds of this run", "config", retry_after=0.5)
        return real(run_id, patch)

    training.runs.patch = capped
    first = {"training": {"learning_rate": 0.05, "momentum": 0.5}}
    with client.websocket_connect(f"/api/runs/{run['id']}/stream") as ws:
        receive(ws)
        ws.send_text(json.dumps({"type": "update", "config": first}))
        wait_for(lambda: len(calls) == 1)
        second = {"training": {"learning_rate": 0.07}}
        ws.send_text(json.dumps({"type": "update", "config": second}))
        frame, seen = until_in_process(ws, lambda m: m.type != "error"
                                       and m.run.config.training.learning_rate == 0.07)
        assert not [m for m in seen if isinstance(m, ErrorMessage)]
        assert frame.run.config.training.momentum == 0.5
    assert calls == [first, {"training": {"learning_rate": 0.07, "momentum": 0.5}}]


def test_a_refusal_without_retry_after_is_an_error(client: TestClient) -> None:
    run = create(client)
    training = client.app.state.training

    def refuse(run_id: str, patch):
        raise ApiError(429, "not now", "config")

    training.runs.patch = refuse
    with client.websocket_connect(f"/api/runs/{run['id']}/stream") as ws:
        receive(ws)
        ws.send_text(json.dumps({"type": "update", "config": {"model": {"depth": 2}}}))
        error, _ = until_in_process(ws, lambda m: isinstance(m, ErrorMessage))
        assert error.message == "not now" and error.field == "config"


def test_rest_429_says_when_to_retry(client: TestClient) -> None:
    run = create(client)
    training = client.app.state.training

    def capped(run_id: str, patch):
        raise ApiError(429, "too many rebuilds of this run", "config", retry_after=2.2)

    training.runs.patch = capped
    response = client.patch(f"/api/runs/{run['id']}", json={"model": {"depth": 2}})
    assert response.status_code == 429
    assert response.headers["retry-after"] == "3"  # whole seconds, never early
    assert response.json() == {"detail": "too many rebuilds of this run"}
    assert "retry-after" not in client.get("/api/runs/no-such-run").headers  # a 404 ApiError
