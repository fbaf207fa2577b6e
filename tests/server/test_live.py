"""A real server (uvicorn subprocess) and real websocket clients: rate cap, learning, commands
acting within a frame, several watchers, a stalled client, idle pause and TTL.
Speed figures are bench/load.py's job; the only limits asserted here are promises (the rate cap).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import psutil
import pytest
import websockets

from tests.live_server import LiveServer, live_server
from tests.server.conftest import server_message

pytestmark = pytest.mark.slow
FRAME_RATE = 10


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    env = {"PLAYGROUND_FRAME_RATE": str(FRAME_RATE), "PLAYGROUND_DEVICE": "cpu"}
    with live_server(env=env) as running:
        yield running


def rest(server: LiveServer, method: str, path: str, body: dict | None = None) -> dict | None:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(server.url + path, data=data, method=method,
                                     headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read()
    return json.loads(text) if text else None


async def next_message(ws, timeout: float = 10.0):
    return server_message(await asyncio.wait_for(ws.recv(), timeout))


async def within_frames(ws, predicate, frames: int = 3):
    """The first of the next `frames` messages that satisfies `predicate` (else fail)."""
    for _ in range(frames):
        message = await next_message(ws)
        if predicate(message):
            return message
    raise AssertionError(f"not within {frames} messages")


def connect(server: LiveServer, run_id: str, **options):
    return websockets.connect(f"{server.ws_url}/api/runs/{run_id}/stream", **options)


def test_frames_are_capped_and_the_loss_falls(server: LiveServer) -> None:
    async def scenario() -> None:
        run = rest(server, "POST", "/api/runs", {})
        async with connect(server, run["id"]) as ws:
            snapshot = await next_message(ws)
            await ws.send('{"type": "play"}')
            frames, started = [], time.monotonic()
            while time.monotonic() - started < 2.0:
                frames.append(await next_message(ws))
            elapsed = time.monotonic() - started
            assert len(frames) <= FRAME_RATE * elapsed + 2  # the cap is a promise
            assert len(frames) >= 4  # and frames keep coming
            steps = [f.run.step for f in frames]
            assert steps == sorted(steps) and steps[-1] > 100
            assert frames[-1].run.train_loss < snapshot.run.train_loss
            assert frames[-1].run.steps_per_second > 0
    asyncio.run(scenario())


def test_commands_act_within_one_frame(server: LiveServer) -> None:
    async def scenario() -> None:
        run = rest(server, "POST", "/api/runs", {})
        async with connect(server, run["id"]) as ws:
            await next_message(ws)
            await ws.send('{"type": "play"}')
            await within_frames(ws, lambda m: m.run.status == "running")
            await ws.send('{"type": "pause"}')
            paused = await within_frames(ws, lambda m: m.run.status == "paused")
            await ws.send('{"type": "step", "steps": 7}')
            stepped = await within_frames(ws, lambda m: m.run.step == paused.run.step + 7)
            assert stepped.run.status == "paused"
            update = {"type": "update", "config": {"training": {"learning_rate": 0.05}}}
            await ws.send(json.dumps(update))
            await within_frames(ws, lambda m: m.run.config.training.learning_rate == 0.05)
            await ws.send('{"type": "reset"}')
            reset = await within_frames(ws, lambda m: m.type == "snapshot")
            assert reset.run.step == 0 and reset.history.step == [0]
    asyncio.run(scenario())


def test_two_clients_see_the_same_steps(server: LiveServer) -> None:
    async def watch(run_id: str, stop: asyncio.Event) -> list[int]:
        async with connect(server, run_id) as ws:
            steps = list((await next_message(ws)).history.step)
            while True:
                message = await next_message(ws)
                steps += message.history.step
                if stop.is_set() and message.run.status == "paused":
                    return steps

    async def scenario() -> None:
        run = rest(server, "POST", "/api/runs", {})
        stop = asyncio.Event()
        watchers = [asyncio.create_task(watch(run["id"], stop)) for _ in range(2)]
        await asyncio.sleep(0.5)
        rest(server, "POST", f"/api/runs/{run['id']}/play")
        await asyncio.sleep(1.5)
        stop.set()
        rest(server, "POST", f"/api/runs/{run['id']}/pause")
        first, second = await asyncio.wait_for(asyncio.gather(*watchers), 20)
        history = rest(server, "GET", f"/api/runs/{run['id']}/history")["step"]
        assert first == second == history and len(history) > 10
    asyncio.run(scenario())


def stalled_socket(server: LiveServer, run_id: str) -> socket.socket:
    """A websocket client that says `play` and then never reads: its TCP window closes, the
    server's send blocks, and (for the server to stay healthy) frames must be dropped."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect: a tiny window
    sock.connect(("127.0.0.1", server.port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(f"GET /api/runs/{run_id}/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                 "Sec-WebSocket-Version: 13\r\n\r\n".encode())
    assert b" 101 " in sock.recv(1024)
    payload, mask = b'{"type": "play"}', os.urandom(4)  # one masked text frame
    masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
    sock.sendall(bytes([0x81, 0x80 | len(payload)]) + mask + masked)
    return sock


def test_a_stalled_client_costs_no_memory_and_slows_nobody() -> None:
    """Big 2-D frames at 60/s to a client that never reads: the server's memory stays far below
    what queueing them would take, and another client keeps getting its frames."""
    rate = 60
    env = {"PLAYGROUND_FRAME_RATE": str(rate), "PLAYGROUND_GRID_RESOLUTION": "80",
           "PLAYGROUND_DEVICE": "cpu"}
    with live_server(env=env) as server:
        asyncio.run(_stall(server, rate))


async def _stall(server: LiveServer, rate: int) -> None:
    stalled_run = rest(server, "POST", "/api/runs", {"dataset": {"name": "circle"}})
    frame_bytes = len(json.dumps(rest(server, "GET", f"/api/runs/{stalled_run['id']}/function")))
    other_run = rest(server, "POST", "/api/runs", {})
    process = psutil.Process(server.process.pid)
    stalled = stalled_socket(server, stalled_run["id"])
    try:
        async with connect(server, other_run["id"]) as other:
            await next_message(other)
            await other.send('{"type": "play"}')
            await asyncio.sleep(1.0)
            rss_before = process.memory_info().rss
            frames, started = 0, time.monotonic()
            while time.monotonic() - started < 5.0:
                await next_message(other)
                frames += 1
            growth = process.memory_info().rss - rss_before
        status = rest(server, "GET", f"/api/runs/{stalled_run['id']}")
    finally:
        stalled.close()
    assert status["status"] == "running" and status["step"] > 0  # it did produce frames
    produced = 5.0 * rate * frame_bytes  # what the stalled client would have had to be sent
    assert growth < produced / 4, f"server grew {growth / 2**20:.1f} MiB"
    assert frames >= rate  # 5 s worth at up to 60/s: not starved by the stalled client


def test_deleting_closes_every_watcher(server: LiveServer) -> None:
    async def scenario() -> None:
        run = rest(server, "POST", "/api/runs", {})
        async with connect(server, run["id"]) as a, connect(server, run["id"]) as b:
            await next_message(a), await next_message(b)
            rest(server, "DELETE", f"/api/runs/{run['id']}")
            for ws in (a, b):
                assert (await within_frames(ws, lambda m: m.type == "deleted")).type == "deleted"
                with pytest.raises(websockets.ConnectionClosed):
                    await asyncio.wait_for(ws.recv(), 5)
    asyncio.run(scenario())


def test_idle_pause_and_ttl() -> None:
    """Nobody watching and nobody asking: a run pauses after idle_timeout, REST-played or not
    (one ran 23 CPU-minutes unattended), and is deleted after run_ttl."""
    env = {"PLAYGROUND_IDLE_TIMEOUT": "1", "PLAYGROUND_RUN_TTL": "4", "PLAYGROUND_DEVICE": "cpu"}
    with live_server(env=env) as short:
        watched = rest(short, "POST", "/api/runs", {})
        scripted = rest(short, "POST", "/api/runs", {})
        rest(short, "POST", f"/api/runs/{scripted['id']}/play")

        async def play_then_leave() -> None:
            async with connect(short, watched["id"]) as ws:
                await next_message(ws)
                await ws.send('{"type": "play"}')
                await within_frames(ws, lambda m: m.run.status == "running")
        asyncio.run(play_then_leave())
        polled_until = time.monotonic() + 2.0  # a script that keeps asking keeps its run going
        while time.monotonic() < polled_until:
            assert rest(short, "GET", f"/api/runs/{scripted['id']}")["status"] == "running"
            time.sleep(0.3)
        time.sleep(1.8)  # then neither is watched nor asked about for longer than idle_timeout
        for run in (watched, scripted):
            assert rest(short, "GET", f"/api/runs/{run['id']}")["status"] == "paused"
        time.sleep(5.0)  # no requests for longer than the TTL
        for run in (watched, scripted):
            with pytest.raises(urllib.error.HTTPError) as gone:
                rest(short, "GET", f"/api/runs/{run['id']}")
            assert gone.value.code == 404
        assert rest(short, "GET", "/api/health")["runs"] == 0
